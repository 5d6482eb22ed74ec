"""What each provider's parser gives (one update, in our vocabulary) and the helpers they share."""
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..carriers.base import CarrierEvent, Location
from ..carriers.parsing import clean, local_time, text
from ..status import Canonical
from ..text import plain_text

# Aggregators' carrier names (EasyPost "DHLExpress", AfterShip "dhl-global-mail", Shippo
# "dhl_express"), folded to letters and digits, and the adapter code each one is tracked by here.
CARRIER_CODES: dict[str, str] = {
    "ups": "ups",
    "usps": "usps",
    "fedex": "fedex",
    "dhl": "dhl",
    "dhlexpress": "dhl",
    "dhlecommerce": "dhl",
    "dhlecommercesolutions": "dhl",
    "dhlecs": "dhl",
    "dhlglobalmail": "dhl",
    "dhlgermany": "dhl",
    "dhlparcel": "dhl",
}

# ISO 3166 alpha-3 -> alpha-2 for the countries parcels most often cross; others stay unknown.
ISO3_TO_ISO2: dict[str, str] = {
    "USA": "US", "CAN": "CA", "MEX": "MX", "GBR": "GB", "IRL": "IE", "DEU": "DE", "FRA": "FR",
    "ESP": "ES", "PRT": "PT", "ITA": "IT", "NLD": "NL", "BEL": "BE", "LUX": "LU", "CHE": "CH",
    "AUT": "AT", "DNK": "DK", "SWE": "SE", "NOR": "NO", "FIN": "FI", "ISL": "IS", "POL": "PL",
    "CZE": "CZ", "SVK": "SK", "HUN": "HU", "ROU": "RO", "BGR": "BG", "GRC": "GR", "HRV": "HR",
    "SVN": "SI", "EST": "EE", "LVA": "LV", "LTU": "LT", "TUR": "TR", "UKR": "UA", "ISR": "IL",
    "ARE": "AE", "SAU": "SA", "IND": "IN", "CHN": "CN", "HKG": "HK", "TWN": "TW", "JPN": "JP",
    "KOR": "KR", "SGP": "SG", "MYS": "MY", "THA": "TH", "VNM": "VN", "PHL": "PH", "IDN": "ID",
    "AUS": "AU", "NZL": "NZ", "BRA": "BR", "ARG": "AR", "CHL": "CL", "COL": "CO", "PER": "PE",
    "ZAF": "ZA", "EGY": "EG", "MAR": "MA", "NGA": "NG", "KEN": "KE", "PRI": "PR",
}

# Scans dated outside these years are unreadable, not history: they would overflow the arithmetic
# that places them in UTC, or sort a whole timeline around one typo.
PLAUSIBLE_YEARS = (1990, 2100)
_FOLD = re.compile(r"[^a-z0-9]")


class BadPayload(ValueError):
    """The body is signed correctly but is not the shape the provider documents."""


@dataclass
class Push:
    """One provider's news about one tracking number."""

    tracking_number: str
    carrier: str | None  # our carrier code, when the provider named one we track
    events: list[CarrierEvent] = field(default_factory=list)
    eta: str | None = None  # the provider's ETA text; read in the merchant's zone when it has none
    signed_by: str | None = None
    skipped: int = 0  # events left out: a status we cannot read, or no readable time


def body_hash(body: bytes) -> str:
    """Delivery id of a body that carries none of its own."""
    return hashlib.sha256(body).hexdigest()


def short_id(value: Any) -> str | None:
    """A provider's delivery id, fitted to the column: long ones are hashed."""
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value).strip() == "":
        return None
    value = str(value).strip()
    if len(value) <= 64 and value.isprintable():
        return value
    return hashlib.sha256(value.encode()).hexdigest()


def our_carrier(name: Any) -> str | None:
    """Our adapter code for an aggregator's carrier name; None when we do not track that carrier."""
    return CARRIER_CODES.get(_FOLD.sub("", name.casefold())) if isinstance(name, str) else None


def country_iso2(iso3: Any) -> str | None:
    """Alpha-2 for a known alpha-3 code (AfterShip's country_iso3); None otherwise."""
    return ISO3_TO_ISO2.get(iso3.strip().upper()) if isinstance(iso3, str) else None


def country_code(value: Any) -> str | None:
    """A two-letter country as given, or None: a name or alpha-3 code would not fit the column."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{2}", value.strip()):
        return value.strip().upper()
    return country_iso2(value)


def require(mapping: Any, key: str, kind: type = dict):
    """`mapping[key]` of the given type, else BadPayload naming the field."""
    if not isinstance(mapping, dict) or not isinstance(mapping.get(key), kind):
        raise BadPayload(f"`{key}` missing or not a {kind.__name__}")
    return mapping[key]


def items(mapping: dict, key: str) -> list[dict]:
    """A list of objects, empty when absent; anything else is a bad payload."""
    value = mapping.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise BadPayload(f"`{key}` is not a list of objects")
    return value


def tracking_number(value: Any) -> str:
    """The number as shipments store it (no spaces, upper case)."""
    number = "".join(value.split()).upper() if isinstance(value, str) else ""
    if not number or len(number) > 64 or not number.isprintable():
        raise BadPayload("no readable tracking number")
    return number


def event(
    log: logging.Logger,
    when: Any,
    canonical: Canonical | None,
    codes: tuple,
    description: Any,
    location: Location,
) -> CarrierEvent | None:
    """A CarrierEvent, or None (logged) when its status is unknown or its time unreadable.

    An unknown code is skipped rather than guessed: a wrong "in transit" would hide the truth.
    """
    raw_code = plain_text(":".join(str(c) for c in codes if c), 40) or None
    if canonical is None:
        log.warning("unknown status %r: event skipped", raw_code)
        return None
    try:
        local, offset = local_time(when)
    except (TypeError, ValueError, AttributeError):
        local = None
    if local is None or not PLAUSIBLE_YEARS[0] <= local.year <= PLAUSIBLE_YEARS[1]:
        log.warning("unreadable event time %r (status %r): event skipped", when, raw_code)
        return None
    return CarrierEvent(
        occurred_at_local=local,
        utc_offset_minutes=offset,
        status=canonical.status,
        substatus=canonical.substatus,
        description=text(description),
        carrier_status_code=raw_code,
        location=location,
    )


def collect(pairs, build: Callable[[dict], CarrierEvent | None]) -> tuple[list[CarrierEvent], int]:
    """Build events from raw ones; return them and how many were skipped."""
    events, skipped = [], 0
    for raw in pairs:
        built = build(raw)
        if built is None:
            skipped += 1
        else:
            events.append(built)
    return events, skipped


def place(city: Any, region: Any, postal_code: Any, country: str | None) -> Location:
    return Location(clean(city), clean(region), clean(postal_code, 20), country)


def eta_window(value: str | None, zone_name: str | None) -> tuple[datetime | None, datetime | None]:
    """(earliest, latest) aware instants for a provider's ETA.

    A date alone is that whole day; a time without an offset is read in `zone_name` (the
    shipment's local zone: the destination's, else the merchant's, as for scans).
    """
    if not isinstance(value, str) or not value.strip():
        return None, None
    stripped = value.strip()
    date_only = re.fullmatch(r"\d{4}-\d{2}-\d{2}", stripped) is not None
    try:
        local, offset = local_time(stripped + ("T00:00" if date_only else ""))
    except ValueError:
        return None, None
    if not PLAUSIBLE_YEARS[0] <= local.year <= PLAUSIBLE_YEARS[1]:
        return None, None
    tz = _zone(zone_name) if offset is None else timezone(timedelta(minutes=offset))
    start = local.replace(tzinfo=tz)
    end = start + timedelta(days=1, seconds=-1) if date_only else start
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _zone(name: str | None):
    try:
        return ZoneInfo(name) if name else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def hmac_sha256(secret: str, message: bytes) -> bytes:
    """HMAC-SHA256 of `message` keyed with the UTF-8 secret."""
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()
