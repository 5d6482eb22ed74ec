"""Places to IANA time zone names: which clock a country, state or province keeps."""
import unicodedata
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global

from .carriers.parsing import country_code

# Countries CLDR gives several zones whose other zones are outlying islands, enclaves or keep the
# same clock: nearly everyone lives in the main one, so a scan there is read in it.
MAIN_ZONES = {
    "AR": "America/Argentina/Buenos_Aires", "CL": "America/Santiago", "CN": "Asia/Shanghai",
    "CY": "Asia/Nicosia", "DE": "Europe/Berlin", "EC": "America/Guayaquil",
    "ES": "Europe/Madrid", "MY": "Asia/Kuala_Lumpur", "NZ": "Pacific/Auckland",
    "PG": "Pacific/Port_Moresby", "PT": "Europe/Lisbon", "UA": "Europe/Kyiv",
    "UZ": "Asia/Tashkent",
}

# Regions of countries that span zones: (zone, code, name, other names...). Codes are the postal
# or ISO 3166-2 ones; a region split between zones takes the zone most of its people live in.
REGION_ZONES = {
    "US": (
        ("America/New_York", "CT", "Connecticut"), ("America/New_York", "DE", "Delaware"),
        ("America/New_York", "DC", "District of Columbia", "Washington DC"),
        ("America/New_York", "FL", "Florida"), ("America/New_York", "GA", "Georgia"),
        ("America/New_York", "KY", "Kentucky"), ("America/New_York", "ME", "Maine"),
        ("America/New_York", "MD", "Maryland"), ("America/New_York", "MA", "Massachusetts"),
        ("America/New_York", "NH", "New Hampshire"), ("America/New_York", "NJ", "New Jersey"),
        ("America/New_York", "NY", "New York"), ("America/New_York", "NC", "North Carolina"),
        ("America/New_York", "OH", "Ohio"), ("America/New_York", "PA", "Pennsylvania"),
        ("America/New_York", "RI", "Rhode Island"), ("America/New_York", "SC", "South Carolina"),
        ("America/New_York", "VT", "Vermont"), ("America/New_York", "VA", "Virginia"),
        ("America/New_York", "WV", "West Virginia"), ("America/Detroit", "MI", "Michigan"),
        ("America/Indiana/Indianapolis", "IN", "Indiana"),
        ("America/Chicago", "AL", "Alabama"), ("America/Chicago", "AR", "Arkansas"),
        ("America/Chicago", "IL", "Illinois"), ("America/Chicago", "IA", "Iowa"),
        ("America/Chicago", "KS", "Kansas"), ("America/Chicago", "LA", "Louisiana"),
        ("America/Chicago", "MN", "Minnesota"), ("America/Chicago", "MS", "Mississippi"),
        ("America/Chicago", "MO", "Missouri"), ("America/Chicago", "NE", "Nebraska"),
        ("America/Chicago", "ND", "North Dakota"), ("America/Chicago", "OK", "Oklahoma"),
        ("America/Chicago", "SD", "South Dakota"), ("America/Chicago", "TN", "Tennessee"),
        ("America/Chicago", "TX", "Texas"), ("America/Chicago", "WI", "Wisconsin"),
        ("America/Denver", "CO", "Colorado"), ("America/Denver", "MT", "Montana"),
        ("America/Denver", "NM", "New Mexico"), ("America/Denver", "UT", "Utah"),
        ("America/Denver", "WY", "Wyoming"), ("America/Boise", "ID", "Idaho"),
        ("America/Phoenix", "AZ", "Arizona"), ("America/Los_Angeles", "CA", "California"),
        ("America/Los_Angeles", "NV", "Nevada"), ("America/Los_Angeles", "OR", "Oregon"),
        ("America/Los_Angeles", "WA", "Washington"), ("America/Anchorage", "AK", "Alaska"),
        ("Pacific/Honolulu", "HI", "Hawaii"), ("America/Puerto_Rico", "PR", "Puerto Rico"),
        ("Pacific/Guam", "GU", "Guam"),
        ("America/St_Thomas", "VI", "U.S. Virgin Islands", "Virgin Islands"),
        ("Pacific/Pago_Pago", "AS", "American Samoa"),
        ("Pacific/Saipan", "MP", "Northern Mariana Islands"),
    ),
    "CA": (
        ("America/Edmonton", "AB", "Alberta"), ("America/Vancouver", "BC", "British Columbia"),
        ("America/Winnipeg", "MB", "Manitoba"), ("America/Moncton", "NB", "New Brunswick"),
        ("America/St_Johns", "NL", "Newfoundland and Labrador", "Newfoundland", "NF"),
        ("America/Halifax", "NS", "Nova Scotia"), ("America/Halifax", "PE",
                                                  "Prince Edward Island"),
        ("America/Edmonton", "NT", "Northwest Territories"), ("America/Iqaluit", "NU", "Nunavut"),
        ("America/Toronto", "ON", "Ontario"), ("America/Toronto", "QC", "Quebec", "PQ"),
        ("America/Regina", "SK", "Saskatchewan"), ("America/Whitehorse", "YT", "Yukon"),
    ),
    "AU": (
        ("Australia/Sydney", "ACT", "Australian Capital Territory"),
        ("Australia/Sydney", "NSW", "New South Wales"),
        ("Australia/Darwin", "NT", "Northern Territory"),
        ("Australia/Brisbane", "QLD", "Queensland"),
        ("Australia/Adelaide", "SA", "South Australia"),
        ("Australia/Hobart", "TAS", "Tasmania"), ("Australia/Melbourne", "VIC", "Victoria"),
        ("Australia/Perth", "WA", "Western Australia"),
    ),
    "BR": (
        ("America/Rio_Branco", "AC", "Acre"), ("America/Maceio", "AL", "Alagoas"),
        ("America/Belem", "AP", "Amapá"), ("America/Manaus", "AM", "Amazonas"),
        ("America/Bahia", "BA", "Bahia"), ("America/Fortaleza", "CE", "Ceará"),
        ("America/Sao_Paulo", "DF", "Distrito Federal"),
        ("America/Sao_Paulo", "ES", "Espírito Santo"), ("America/Sao_Paulo", "GO", "Goiás"),
        ("America/Fortaleza", "MA", "Maranhão"), ("America/Cuiaba", "MT", "Mato Grosso"),
        ("America/Campo_Grande", "MS", "Mato Grosso do Sul"),
        ("America/Sao_Paulo", "MG", "Minas Gerais"), ("America/Belem", "PA", "Pará"),
        ("America/Fortaleza", "PB", "Paraíba"), ("America/Sao_Paulo", "PR", "Paraná"),
        ("America/Recife", "PE", "Pernambuco"), ("America/Fortaleza", "PI", "Piauí"),
        ("America/Sao_Paulo", "RJ", "Rio de Janeiro"),
        ("America/Fortaleza", "RN", "Rio Grande do Norte"),
        ("America/Sao_Paulo", "RS", "Rio Grande do Sul"), ("America/Porto_Velho", "RO", "Rondônia"),
        ("America/Boa_Vista", "RR", "Roraima"), ("America/Sao_Paulo", "SC", "Santa Catarina"),
        ("America/Sao_Paulo", "SP", "São Paulo"), ("America/Maceio", "SE", "Sergipe"),
        ("America/Araguaina", "TO", "Tocantins"),
    ),
    "MX": (
        ("America/Mexico_City", "AGU", "Aguascalientes", "AGS"),
        ("America/Tijuana", "BCN", "Baja California", "BC"),
        ("America/Mazatlan", "BCS", "Baja California Sur"),
        ("America/Merida", "CAM", "Campeche"), ("America/Mexico_City", "CHP", "Chiapas"),
        ("America/Chihuahua", "CHH", "Chihuahua"),
        ("America/Mexico_City", "CMX", "Ciudad de México", "CDMX", "DIF", "DF",
         "Distrito Federal", "Mexico City"),
        ("America/Monterrey", "COA", "Coahuila", "Coahuila de Zaragoza"),
        ("America/Mexico_City", "COL", "Colima"), ("America/Monterrey", "DUR", "Durango"),
        ("America/Mexico_City", "GUA", "Guanajuato"), ("America/Mexico_City", "GRO", "Guerrero"),
        ("America/Mexico_City", "HID", "Hidalgo"), ("America/Mexico_City", "JAL", "Jalisco"),
        ("America/Mexico_City", "MEX", "México", "Estado de México"),
        ("America/Mexico_City", "MIC", "Michoacán", "Michoacán de Ocampo"),
        ("America/Mexico_City", "MOR", "Morelos"), ("America/Mazatlan", "NAY", "Nayarit"),
        ("America/Monterrey", "NLE", "Nuevo León", "NL"), ("America/Mexico_City", "OAX", "Oaxaca"),
        ("America/Mexico_City", "PUE", "Puebla"), ("America/Mexico_City", "QUE", "Querétaro"),
        ("America/Cancun", "ROO", "Quintana Roo"),
        ("America/Mexico_City", "SLP", "San Luis Potosí"),
        ("America/Mazatlan", "SIN", "Sinaloa"), ("America/Hermosillo", "SON", "Sonora"),
        ("America/Mexico_City", "TAB", "Tabasco"), ("America/Matamoros", "TAM", "Tamaulipas"),
        ("America/Mexico_City", "TLA", "Tlaxcala"),
        ("America/Mexico_City", "VER", "Veracruz", "Veracruz de Ignacio de la Llave"),
        ("America/Merida", "YUC", "Yucatán"), ("America/Mexico_City", "ZAC", "Zacatecas"),
    ),
}


# US ZIP codes by their first three digits (the USPS sectional centers) -> state, as ranges.
# Enough to tell a destination's state, and so its zone, when an order gives a ZIP and no state.
US_ZIP3_STATES = (
    (5, 5, "NY"), (6, 7, "PR"), (8, 8, "VI"), (9, 9, "PR"), (10, 27, "MA"), (28, 29, "RI"),
    (30, 38, "NH"), (39, 49, "ME"), (50, 54, "VT"), (55, 55, "MA"), (56, 59, "VT"),
    (60, 69, "CT"), (70, 89, "NJ"), (100, 149, "NY"), (150, 196, "PA"), (197, 199, "DE"),
    (200, 205, "DC"), (206, 219, "MD"), (220, 246, "VA"), (247, 268, "WV"), (270, 289, "NC"),
    (290, 299, "SC"), (300, 319, "GA"), (320, 349, "FL"), (350, 369, "AL"), (370, 385, "TN"),
    (386, 397, "MS"), (398, 399, "GA"), (400, 427, "KY"), (430, 459, "OH"), (460, 479, "IN"),
    (480, 499, "MI"), (500, 528, "IA"), (530, 549, "WI"), (550, 567, "MN"), (569, 569, "DC"),
    (570, 577, "SD"), (580, 588, "ND"), (590, 599, "MT"), (600, 629, "IL"), (630, 658, "MO"),
    (660, 679, "KS"), (680, 693, "NE"), (700, 715, "LA"), (716, 729, "AR"), (730, 732, "OK"),
    (733, 733, "TX"), (734, 749, "OK"), (750, 799, "TX"), (800, 816, "CO"), (820, 831, "WY"),
    (832, 838, "ID"), (840, 847, "UT"), (850, 865, "AZ"), (870, 884, "NM"), (885, 885, "TX"),
    (889, 898, "NV"), (900, 961, "CA"), (967, 968, "HI"), (969, 969, "GU"), (970, 979, "OR"),
    (980, 994, "WA"), (995, 999, "AK"),
)


def us_state_of_zip(postal_code: str | None) -> str | None:
    """The state of a US ZIP code (`97205`, `97205-1234`), or None when it is not one."""
    digits = (postal_code or "").strip()[:5]
    if len(digits) != 5 or not digits.isdigit():
        return None
    prefix = int(digits[:3])
    return next((state for low, high, state in US_ZIP3_STATES if low <= prefix <= high), None)


def zone_for(country: str | None, region: str | None = None, postal_code: str | None = None) -> str | None:
    """The IANA zone of a place, or None when the country (and region) do not tell one.

    `country` is an ISO alpha-2 or alpha-3 code or an English name; `region` a state or
    province code (`CA`, `US-CA`) or name, in any case and with or without accents; for the
    US, a ZIP code stands in for a missing state.
    """
    code = country_code(country) if country else None
    if code is None:
        return None
    if code == "US" and not region:
        region = us_state_of_zip(postal_code)
    if code in REGION_ZONES:
        zone = _region_index(code).get(_key(region, code)) if region else None
    else:
        zones = get_global("territory_zones").get(code, ())
        zone = zones[0] if len(zones) == 1 else MAIN_ZONES.get(code)
    return zone if zone and _exists(zone) else None


@cache
def _region_index(country: str) -> dict[str, str]:
    """Every code and name of `country`'s regions, normalised, to its zone."""
    return {_key(name, country): zone for zone, *names in REGION_ZONES[country] for name in names}


def _key(text: str, country: str) -> str:
    """A region as looked up: no ISO country prefix, accents, dots, case or extra spaces."""
    text = text.strip()
    if text.upper().startswith(country + "-"):
        text = text[len(country) + 1:]
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(bare.replace(".", "").casefold().split())


@cache
def _exists(zone: str) -> bool:
    """Whether this machine's zoneinfo knows `zone` (CLDR may name one newer than its tzdata)."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
