"""Tests of zones.zone_for: countries, states and provinces to IANA zone names."""
from zoneinfo import available_timezones

import pytest
from babel.core import get_global

from tracking.zones import MAIN_ZONES, REGION_ZONES, zone_for


def test_every_zone_in_the_tables_exists():
    named = set(MAIN_ZONES.values()) | {row[0] for rows in REGION_ZONES.values() for row in rows}
    assert named - available_timezones() == set()


@pytest.mark.parametrize("country", sorted(REGION_ZONES))
def test_every_region_resolves_by_each_of_its_names(country):
    for zone, *names in REGION_ZONES[country]:
        assert {zone_for(country, name) for name in names} == {zone}, names


def test_every_one_zone_country_gets_its_cldr_zone():
    one_zone = {code: names[0] for code, names in get_global("territory_zones").items()
                if len(names) == 1 and len(code) == 2 and code != "ZZ"}
    assert len(one_zone) > 200
    assert {code: zone_for(code) for code in one_zone} == one_zone


def test_every_us_state_dc_and_territory_has_a_zone():
    codes = {row[1] for row in REGION_ZONES["US"]}
    assert len(codes - {"DC", "PR", "GU", "VI", "AS", "MP"}) == 50
    assert {"DC", "PR", "GU", "VI"} <= codes


@pytest.mark.parametrize("country, region, zone", [
    ("US", "CA", "America/Los_Angeles"), ("US", "california", "America/Los_Angeles"),
    ("US", "US-NY", "America/New_York"), ("US", " new  york ", "America/New_York"),
    ("US", "HI", "Pacific/Honolulu"), ("US", "D.C.", "America/New_York"),
    ("US", "PR", "America/Puerto_Rico"), ("US", "Guam", "Pacific/Guam"),
    ("US", "VI", "America/St_Thomas"), ("US", "AZ", "America/Phoenix"),
    # split states: the zone most of their people live in
    ("US", "TX", "America/Chicago"), ("US", "FL", "America/New_York"),
    ("US", "TN", "America/Chicago"), ("US", "ID", "America/Boise"),
    ("US", "OR", "America/Los_Angeles"), ("US", "KY", "America/New_York"),
    ("US", "IN", "America/Indiana/Indianapolis"), ("US", "MI", "America/Detroit"),
    ("CA", "BC", "America/Vancouver"), ("CA", "Québec", "America/Toronto"),
    ("CA", "NL", "America/St_Johns"), ("CA", "SK", "America/Regina"),
    ("AU", "NSW", "Australia/Sydney"), ("AU", "AU-QLD", "Australia/Brisbane"),
    ("AU", "Western Australia", "Australia/Perth"), ("AU", "tas", "Australia/Hobart"),
    ("BR", "SP", "America/Sao_Paulo"), ("BR", "Sao Paulo", "America/Sao_Paulo"),
    ("BR", "Amazonas", "America/Manaus"), ("BR", "Pará", "America/Belem"),
    ("MX", "CMX", "America/Mexico_City"), ("MX", "Nuevo León", "America/Monterrey"),
    ("MX", "BCN", "America/Tijuana"), ("MX", "Quintana Roo", "America/Cancun"),
])
def test_regions_of_multi_zone_countries(country, region, zone):
    assert zone_for(country, region) == zone


@pytest.mark.parametrize("country, zone", [
    ("JP", "Asia/Tokyo"), ("FR", "Europe/Paris"), ("GB", "Europe/London"),
    ("NL", "Europe/Amsterdam"), ("IN", "Asia/Kolkata"), ("jp", "Asia/Tokyo"),
    ("DE", "Europe/Berlin"), ("ES", "Europe/Madrid"),  # main zone of outlying others
])
def test_countries_with_one_zone(country, zone):
    assert zone_for(country) == zone
    assert zone_for(country, "anything") == zone  # the region does not matter


@pytest.mark.parametrize("country, region, zone", [
    ("USA", "TX", "America/Chicago"), ("CAN", "ON", "America/Toronto"),
    ("AUS", "VIC", "Australia/Melbourne"), ("BRA", "RJ", "America/Sao_Paulo"),
    ("MEX", "JAL", "America/Mexico_City"), ("DEU", None, "Europe/Berlin"),
    ("AUT", None, "Europe/Vienna"), ("JPN", None, "Asia/Tokyo"),
    ("Germany", None, "Europe/Berlin"), ("United States", "WA", "America/Los_Angeles"),
    ("UK", None, "Europe/London"),
])
def test_alpha3_codes_and_names(country, region, zone):
    assert zone_for(country, region) == zone


@pytest.mark.parametrize("country, region", [
    ("US", None), ("US", ""), ("US", "Atlantis"), ("CA", "XX"), ("AU", None), ("BR", None),
    ("MX", None), ("RU", None), ("ID", "Bali"), ("XX", None), ("", None), (None, None),
    (None, "CA"), ("Narnia", None), ("ZZ", None),
])
def test_unknown_or_ambiguous_is_none(country, region):
    assert zone_for(country, region) is None


@pytest.mark.parametrize("zip_code, state, zone", [
    ("97205", "OR", "America/Los_Angeles"), ("10001", "NY", "America/New_York"),
    ("60601-1234", "IL", "America/Chicago"), ("96813", "HI", "Pacific/Honolulu"),
    ("99501", "AK", "America/Anchorage"), ("85004", "AZ", "America/Phoenix"),
    ("00901", "PR", "America/Puerto_Rico"), ("73301", "TX", "America/Chicago"),
    ("02108", "MA", "America/New_York"), ("80202", "CO", "America/Denver"),
])
def test_a_us_zip_code_stands_in_for_a_missing_state(zip_code, state, zone):
    from tracking.zones import us_state_of_zip
    assert us_state_of_zip(zip_code) == state
    assert zone_for("US", None, zip_code) == zone
    assert zone_for("US", "NY", zip_code) == "America/New_York"  # a given state wins


@pytest.mark.parametrize("zip_code", [None, "", "9720", "ABCDE", "SW1A 1AA", "00000", "  "])
def test_what_is_not_a_known_zip_code_tells_nothing(zip_code):
    from tracking.zones import us_state_of_zip
    assert us_state_of_zip(zip_code) is None
    assert zone_for("US", None, zip_code) is None
    assert zone_for("GB", None, zip_code) == "Europe/London"  # only US ZIP codes are read


def test_every_zip_range_names_a_state_of_the_table():
    from tracking.zones import REGION_ZONES, US_ZIP3_STATES
    codes = {names[0] for _zone, *names in REGION_ZONES["US"]}
    assert {state for _low, _high, state in US_ZIP3_STATES} <= codes
    ranges = sorted((low, high) for low, high, _state in US_ZIP3_STATES)
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:]))  # no overlaps
