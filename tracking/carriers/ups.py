"""UPS Track API v1 (OAuth2): one number per GET, local scan times with optional GMT stamps."""
import base64
import logging
import re
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from ..status import PROGRESS
from .base import (
    CarrierAdapter, CarrierEvent, HttpRequest, Location, Outcome, RateLimit, TrackResult,
)
from .parsing import clean, country, json_body, offset_minutes, text, utc_instant

log = logging.getLogger(__name__)

PARAMS = {"locale": "en_US", "returnSignature": "false", "returnMilestones": "false",
          "returnPOD": "false"}

# status.statusCode -> (status, substatus): CARRIERS.md, plus rows of UPS's own code list
# (UPS-API/api-documentation#7: 019, 025, 029, 035, 044, 051-054, 071).
STATUS_CODES: dict[str, tuple[str, str | None]] = {
    "003": ("info_received", "label_created"),
    "044": ("info_received", None),  # "on its way to UPS": not yet in UPS's hands
    "038": ("in_transit", "picked_up"),
    "005": ("in_transit", None),
    "010": ("in_transit", None),
    "071": ("in_transit", None),  # preparing for delivery today
    "012": ("in_transit", "customs"),
    "025": ("in_transit", "transferred"),  # handed to the local post office
    "019": ("in_transit", "rescheduled"),
    "054": ("in_transit", "rescheduled"),  # delivery change requested
    "046": ("in_transit", "delayed"),
    "048": ("in_transit", "delayed"),
    "051": ("in_transit", "delayed"),
    "052": ("in_transit", "delayed"),
    "053": ("in_transit", "delayed"),
    "006": ("out_for_delivery", None),
    "021": ("out_for_delivery", None),
    "017": ("available_for_pickup", "held"),
    "040": ("available_for_pickup", None),
    "022": ("failed_attempt", None),
    "023": ("failed_attempt", None),
    "024": ("failed_attempt", None),
    "011": ("delivered", None),
    "161": ("delivered", "delivered_to_pickup_point"),
    "013": ("exception", None),
    "029": ("exception", "address_issue"),
    "064": ("exception", "refused"),
    "035": ("exception", "returning_to_sender"),
    "034": ("exception", "returned_to_sender"),
}
# status.type, read only when the statusCode is unknown. "I" (in transit OR out for delivery)
# and "U" (update) are left out on purpose: alone they say too little to claim a status.
TYPES: dict[str, tuple[str, str | None]] = {
    "M": ("info_received", "label_created"),
    "MV": ("exception", "cancelled"),
    "P": ("in_transit", "picked_up"),
    "D": ("delivered", None),
    "X": ("exception", None),
}
DECISIVE_TYPES = frozenset({"MV"})  # a voided label is final, whatever statusCode comes with it
ERRORS = {"TV1002": Outcome.INVALID_NUMBER, "TW0001": Outcome.NOT_FOUND,
          "10429": Outcome.THROTTLED}
_NUMBER = re.compile(r"1Z[0-9A-Z]{15}[0-9]")


def normalised(number: str) -> str:
    """A number as UPS prints it: no spaces, upper case."""
    return "".join(str(number or "").split()).upper()


def check_digit(body: str) -> int:
    """UPS mod-10 check digit of the 15 characters after `1Z` (letters as (ord-3) % 10)."""
    values = [int(c) if c.isdigit() else (ord(c) - 3) % 10 for c in body]
    return -sum(v * (2 if i % 2 else 1) for i, v in enumerate(values)) % 10


class UPS(CarrierAdapter):
    """UPS through its Track API v1."""

    code = "ups"
    name = "UPS"
    batch_size = 1
    rate_limit = RateLimit(per_second=5)  # UPS publishes no limit (UPS-API/api-documentation#8)
    default_base_url = "https://onlinetools.ups.com"
    required_settings = ("client_id", "client_secret")
    uses_oauth = True

    @classmethod
    def recognises(cls, tracking_number: str) -> bool:
        """`1Z` + 15 alphanumerics + a check digit; spaces and case are forgiven."""
        number = normalised(tracking_number)
        return bool(_NUMBER.fullmatch(number)) and check_digit(number[2:17]) == int(number[17])

    def token_request(self) -> HttpRequest:
        pair = f"{self.settings['client_id']}:{self.settings['client_secret']}".encode()
        return HttpRequest(
            "POST", f"{self.base_url}/security/v1/oauth/token",
            headers={"Authorization": "Basic " + base64.b64encode(pair).decode("ascii"),
                     "Accept": "application/json"},
            data={"grant_type": "client_credentials"},
        )

    def build_requests(self, numbers: list[str]) -> list[HttpRequest]:
        """One GET per number; transId must be unique per request, so it is random."""
        return [HttpRequest(
            "GET", f"{self.base_url}/api/track/v1/details/{quote(normalised(n), safe='')}",
            numbers=(n,), params=dict(PARAMS),
            headers={"transId": uuid.uuid4().hex, "transactionSrc": "tracking-pages",
                     "Accept": "application/json"},
        ) for n in numbers]

    def parse(self, request: HttpRequest, status: int, body: bytes) -> list[TrackResult]:
        number = request.numbers[0]
        data = json_body(body)
        errors = (data.get("response") or {}).get("errors") or []
        if errors:
            detail = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)
            outcome = next((ERRORS[e.get("code")] for e in errors if e.get("code") in ERRORS),
                           Outcome.BAD_RESPONSE)
            return [TrackResult(number, outcome, detail=f"HTTP {status}: {detail}"[:500])]
        shipments = data["trackResponse"]["shipment"]
        package = _package_for(number, shipments)
        if package is None:  # TW0001 "Tracking Information Not Found", or nothing at all
            warnings = [w for s in shipments for w in s.get("warnings") or []]
            detail = "; ".join(f"{w.get('code')}: {w.get('message')}" for w in warnings)
            return [TrackResult(number, Outcome.NOT_FOUND, detail=detail[:500] or "no package")]
        return [_result(number, package)]


def _package_for(number: str, shipments: list) -> dict | None:
    """The package with this number; else the first one (the number named a shipment)."""
    packages = [p for s in shipments for p in s.get("package") or []]
    wanted = normalised(number)
    return next((p for p in packages if normalised(p.get("trackingNumber")) == wanted),
                packages[0] if packages else None)


def _result(number: str, package: dict) -> TrackResult:
    events = _events(package.get("activity") or [])
    # The newest scan with an offset stands in for the destination's, which UPS never gives.
    offset = next((e.utc_offset_minutes for e in reversed(events)
                   if e.utc_offset_minutes is not None), None)
    dates = {d.get("type"): d.get("date") for d in package.get("deliveryDate") or []}
    times = package.get("deliveryTime") or {}
    result = TrackResult(number, events=events, raw=package,
                         service=text((package.get("service") or {}).get("description")) or None)
    promised = _day(dates.get("RDD")) or _day(dates.get("SDD"))  # rescheduled beats scheduled
    if promised:
        window = times if times.get("type") != "DEL" else {}
        result.estimated_delivery_earliest, result.estimated_delivery_latest = _window(
            promised, _clock(window.get("startTime")), _clock(window.get("endTime")), offset)
    delivered = [e for e in events if e.status == "delivered"]
    if delivered and delivered[-1].utc_offset_minutes is not None:
        result.delivered_at = utc_instant(delivered[-1].occurred_at_local,
                                          delivered[-1].utc_offset_minutes)
    elif times.get("type") == "DEL" and offset is not None:
        day = _day(dates.get("DEL"))
        clock = _clock(times.get("endTime") or times.get("startTime"))
        if day and clock is not None:
            result.delivered_at = utc_instant(day + clock, offset)
    receiver = clean((package.get("deliveryInformation") or {}).get("receivedBy"), 200)
    result.signed_by = receiver if receiver and re.search(r"[^\W\d_]", receiver) else None
    return result


def _window(day: datetime, start: timedelta | None, end: timedelta | None, offset: int | None):
    """The promised window in UTC.

    UPS states it in the destination's local time with no offset. Without any offset to borrow,
    only the day is kept, as one instant at noon UTC: it falls on that calendar day in every
    zone from UTC-11 to UTC+11, and a window of hours read in the wrong zone would mislead more.
    """
    if offset is None:
        noon = day.replace(hour=12, tzinfo=timezone.utc)
        return noon, noon
    earliest = day + (start or timedelta(0))
    latest = day + (end if end is not None else timedelta(hours=23, minutes=59, seconds=59))
    return utc_instant(earliest, offset), utc_instant(max(earliest, latest), offset)


def _events(activities: list) -> list[CarrierEvent]:
    """Scans oldest first, whatever order UPS listed them in."""
    scans = [scan for activity in activities if (scan := _scan(activity)) is not None]
    every_offset = all(event.utc_offset_minutes is not None for event, _ in scans)
    scans.sort(key=lambda scan: (
        utc_instant(scan[0].occurred_at_local, scan[0].utc_offset_minutes) if every_offset
        else scan[0].occurred_at_local,
        PROGRESS.get(scan[0].status, 0) if scan[1] else 0,
        scan[0].carrier_status_code or "", scan[0].description,
    ))
    events, previous = [], "info_received"
    for event, readable in scans:
        # An unreadable code claims nothing new: it keeps the status of the scan before it
        # (info_received when it is the first), with its raw codes and text kept for support.
        if not readable:
            event = replace(event, status=previous)
        previous = event.status
        events.append(event)
    return events


def _scan(activity: dict) -> tuple[CarrierEvent, bool] | None:
    """One activity as an event, and whether its status could be read; None without a date."""
    day = _day(activity.get("date"))
    if day is None:
        log.warning("ups: activity without a readable date: %r", activity.get("date"))
        return None
    local = day + (_clock(activity.get("time")) or timedelta(0))
    status = activity.get("status") or {}
    canonical = _canonical(status)
    codes = (status.get("type"), status.get("statusCode"), status.get("code"))
    return CarrierEvent(
        occurred_at_local=local, utc_offset_minutes=_offset(activity, local),
        status=canonical[0] if canonical else "info_received",
        substatus=canonical[1] if canonical else None,
        description=text(status.get("description")),
        carrier_status_code="/".join(filter(None, (clean(c, 8) for c in codes))) or None,
        location=_location((activity.get("location") or {}).get("address") or {}),
    ), canonical is not None


def _canonical(status: dict) -> tuple[str, str | None] | None:
    """(status, substatus) of a scan, or None when neither its code nor its type is readable."""
    kind, code = clean(status.get("type"), 8), clean(status.get("statusCode"), 8)
    if kind in DECISIVE_TYPES:
        return TYPES[kind]
    if code in STATUS_CODES:
        return STATUS_CODES[code]
    log.warning("ups: unknown status code %r (type %r, code %r): %r", code, kind,
                status.get("code"), text(status.get("description")))
    return TYPES.get(kind)


def _offset(activity: dict, local: datetime) -> int | None:
    """Minutes east of UTC: local minus the GMT stamp (to 15 minutes), else gmtOffset."""
    gmt_time = _clock(activity.get("gmtTime"))
    if gmt_time is not None:
        gmt_day = _day(activity.get("gmtDate"))
        minutes = (local - ((gmt_day or local.replace(hour=0, minute=0, second=0)) + gmt_time)
                   ).total_seconds() / 60
        if gmt_day is None:  # same day assumed: bring the difference back into real offsets
            minutes = (minutes + 12 * 60) % (24 * 60) - 12 * 60
        minutes = round(minutes / 15) * 15
        if -12 * 60 <= minutes <= 14 * 60:
            return int(minutes)
    return offset_minutes(activity.get("gmtOffset"))


def _day(value) -> datetime | None:
    """`YYYYMMDD` (or `YYYY-MM-DD`) as a naive midnight; None when unreadable."""
    try:
        day = datetime.strptime(str(value or "").strip().replace("-", ""), "%Y%m%d")
    except ValueError:
        return None
    return day if 1 < day.year < 9999 else None  # years 1 and 9999 overflow once shifted to UTC


def _clock(value) -> timedelta | None:
    """`HHMMSS`, `HH:MM:SS`, `9:13:00` or `91300` (a dropped leading zero) as a time of day."""
    raw = str(value or "").strip()
    if ":" in raw:
        parts = raw.split(":")
        if len(parts) == 2:
            parts.append("0")
        digits = "".join(p.zfill(2) for p in parts)
    else:
        digits = raw.zfill(6) if raw else ""
    if not re.fullmatch(r"\d{6}", digits):
        return None
    hours, minutes, seconds = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _location(address: dict) -> Location:
    return Location(
        city=clean(address.get("city")), region=clean(address.get("stateProvince")),
        postal_code=clean(address.get("postalCode"), 20),
        country=country(address.get("countryCode")) or country(address.get("country")),
    )
