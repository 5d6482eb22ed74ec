"""USPS Tracking API v3 (OAuth2): one number per GET; local scan times with their GMT offset."""
import logging
import re
from datetime import datetime, timedelta
from urllib.parse import quote

from tracking_numbers.checksum_validator import S10, Mod10

from ..status import Canonical, Status
from . import parsing
from .base import (
    CarrierAdapter, CarrierEvent, HttpRequest, Location, Outcome, TrackResult, failed,
)

log = logging.getLogger(__name__)

# eventCode -> meaning. Codes from CARRIERS.md and the USPS Track & Confirm code list, which
# the v3 API kept. Codes not listed are logged and never guessed (see settle).
EVENT_CODES: dict[str, Canonical] = {
    "GX": Canonical(Status.INFO_RECEIVED, "label_created"),  # shipping label created
    "MA": Canonical(Status.INFO_RECEIVED, "label_created"),  # manifest acknowledgement
    "03": Canonical(Status.IN_TRANSIT, "picked_up"),  # accepted or picked up by carrier
    "TM": Canonical(Status.IN_TRANSIT, "picked_up"),  # shipment acceptance (truck manifest)
    "PA": Canonical(Status.IN_TRANSIT, "picked_up"),  # shipment acceptance (passive)
    "80": Canonical(Status.IN_TRANSIT, "picked_up"),  # picked up by shipping partner
    "SF": Canonical(Status.IN_TRANSIT, "departed_facility"),  # departed post office
    "EF": Canonical(Status.IN_TRANSIT, "departed_facility"),  # departed sort facility
    "T1": Canonical(Status.IN_TRANSIT, "departed_facility"),  # departed regional facility
    "82": Canonical(Status.IN_TRANSIT, "departed_facility"),  # departed shipping partner facility
    "10": Canonical(Status.IN_TRANSIT, "arrived_at_facility"),  # regional origin facility
    "A1": Canonical(Status.IN_TRANSIT, "arrived_at_facility"),  # regional facility
    "07": Canonical(Status.IN_TRANSIT, "arrived_at_facility"),  # arrived at post office
    "81": Canonical(Status.IN_TRANSIT, "arrived_at_facility"),  # shipping partner facility
    "TL": Canonical(Status.IN_TRANSIT),  # in transit to next facility
    "PC": Canonical(Status.IN_TRANSIT),  # sorting / processing complete
    "06": Canonical(Status.IN_TRANSIT, "forwarded"),
    "42": Canonical(Status.IN_TRANSIT, "transferred"),  # handed to shipping partner
    "71": Canonical(Status.IN_TRANSIT, "rescheduled"),  # rescheduled to next delivery day
    "08": Canonical(Status.IN_TRANSIT, "delayed"),  # missent
    "15": Canonical(Status.IN_TRANSIT, "delayed"),  # mis-shipped
    "OF": Canonical(Status.OUT_FOR_DELIVERY),
    "14": Canonical(Status.AVAILABLE_FOR_PICKUP),  # arrival at pickup point
    "16": Canonical(Status.AVAILABLE_FOR_PICKUP),
    "01": Canonical(Status.DELIVERED),
    "17": Canonical(Status.DELIVERED, "collected"),  # picked up by agent
    "43": Canonical(Status.DELIVERED, "collected"),  # picked up
    "02": Canonical(Status.FAILED_ATTEMPT, "notice_left"),
    "52": Canonical(Status.FAILED_ATTEMPT, "notice_left"),
    "53": Canonical(Status.FAILED_ATTEMPT, "location_inaccessible"),  # receptacle blocked
    "54": Canonical(Status.FAILED_ATTEMPT, "location_inaccessible"),  # receptacle full, oversized
    "55": Canonical(Status.FAILED_ATTEMPT, "location_inaccessible"),  # no secure location
    "56": Canonical(Status.FAILED_ATTEMPT, "recipient_unavailable"),  # no authorized recipient
    "30": Canonical(Status.FAILED_ATTEMPT, "location_inaccessible"),  # no access
    "51": Canonical(Status.FAILED_ATTEMPT, "business_closed"),
    "04": Canonical(Status.EXCEPTION, "refused"),
    "05": Canonical(Status.EXCEPTION, "address_issue"),  # undeliverable as addressed
    "11": Canonical(Status.EXCEPTION, "undeliverable"),  # dead letter
    "44": Canonical(Status.EXCEPTION, "returning_to_sender"),  # customer recall
    # 09 return to sender, and its reasons: no such number, insufficient address, moved,
    # forward expired, addressee unknown, vacant, unclaimed, deceased, other, not picked up.
    **{code: Canonical(Status.EXCEPTION, "returning_to_sender") for code in (
        "09", "21", "22", "23", "24", "25", "26", "27", "28", "29", "31")},
}
# A delivery scan's text says where it was left.
DELIVERED_DETAILS = (
    ("parcel locker", "delivered_to_locker"),
    ("picked up at", "collected"),
    ("neighbor", "delivered_to_neighbour"),
)
# Shipment-level statusCategory; only "Delivered" and "Pre-Shipment" are confirmed in samples.
STATUS_CATEGORIES: dict[str, Status] = {
    "pre-shipment": Status.INFO_RECEIVED,
    "accepted": Status.IN_TRANSIT,
    "in transit": Status.IN_TRANSIT,
    "out for delivery": Status.OUT_FOR_DELIVERY,
    "available for pickup": Status.AVAILABLE_FOR_PICKUP,
    "delivery attempt": Status.FAILED_ATTEMPT,
    "delivered": Status.DELIVERED,
    "alert": Status.EXCEPTION,
}
IMPB = re.compile(r"9[2-5]\d{18,20}")
S10_US = re.compile(r"[A-Z]{2}\d{9}US")
_SHORT_OFFSET = re.compile(r"([+-])(\d{1,2}):(\d{2})")
_MARKS = re.compile(r"\s*[\u2122\u00ae\u2120\u00a9]")


class USPS(CarrierAdapter):
    """USPS APIs v3; settings `client_id`, `client_secret`, optional `scope` and `base_url`."""

    code = "usps"
    name = "USPS"
    batch_size = 1
    default_base_url = "https://apis.usps.com"
    required_settings = ("client_id", "client_secret")
    uses_oauth = True

    @classmethod
    def recognises(cls, tracking_number: str) -> bool:
        """IMpb (20-22 digits from 92-95, mod 10) or an S10 number issued in the US (mod 11)."""
        number = compact(tracking_number)
        digits = [int(c) for c in number if c.isdigit()]
        if IMPB.fullmatch(number):
            # Weight 3 on the body digit next to the check digit, then every other one.
            return Mod10(evens_multiplier=3).passes(digits[-2::-1], digits[-1])
        return bool(S10_US.fullmatch(number)) and S10().passes(digits[:8], digits[8])

    def token_request(self) -> HttpRequest:
        return HttpRequest(
            "POST", f"{self.base_url}/oauth2/v3/token", headers={"Accept": "application/json"},
            data={
                "grant_type": "client_credentials",
                "client_id": self.settings["client_id"],
                "client_secret": self.settings["client_secret"],
                "scope": self.settings.get("scope", "tracking"),
            },
        )

    def build_requests(self, numbers: list[str]) -> list[HttpRequest]:
        return [
            HttpRequest(
                "GET", f"{self.base_url}/tracking/v3/tracking/{quote(compact(n), safe='')}",
                numbers=(n,), headers={"Accept": "application/json"}, params={"expand": "DETAIL"},
            )
            for n in numbers
        ]

    def parse(self, request: HttpRequest, status: int, body: bytes) -> list[TrackResult]:
        """404 with an `error` object is NOT_FOUND, 400 INVALID_NUMBER; 200 an object or a list."""
        if status in (400, 404):
            # A 404 without USPS's error object (a gateway page) is a wrong URL, not an answer.
            detail = _error_detail(parsing.json_body(body)["error"])
            outcome = Outcome.NOT_FOUND if status == 404 else Outcome.INVALID_NUMBER
            return failed(request.numbers, outcome, detail)
        if not 200 <= status < 300:
            return failed(request.numbers, Outcome.BAD_RESPONSE, f"HTTP {status}")
        data = parsing.json_body(body)
        items = data if isinstance(data, list) else [data]
        return [self._result(number, _item_for(items, number)) for number in request.numbers]

    def _result(self, number: str, item: dict) -> TrackResult:
        raw_events = item.get("trackingEvents") or []
        if item.get("error") and not raw_events:
            return TrackResult(number, Outcome.NOT_FOUND, detail=_error_detail(item["error"]))
        events = [e for e in map(_event, raw_events) if e is not None]
        current = STATUS_CATEGORIES.get(parsing.text(item.get("statusCategory")).lower())
        events = parsing.settle(events, current)
        delivered = [e for e in events if e.status == Status.DELIVERED]
        signers = [parsing.clean(e.get("name"), 200) for e in raw_events
                   if EVENT_CODES.get(_code(e), Canonical("")).status == Status.DELIVERED]
        eta = parsing.aware_instant(
            item.get("expectedDeliveryTimeStamp") or item.get("predictedDeliveryTimeStamp"))
        return TrackResult(
            number, Outcome.OK, events=events,
            estimated_delivery_earliest=eta, estimated_delivery_latest=eta,
            delivered_at=parsing.instant_if_known(delivered[-1]) if delivered else None,
            signed_by=next((s for s in signers if s), None),
            service=_MARKS.sub("", parsing.text(item.get("mailClass"))) or None,
            raw=item,
        )


def compact(number: str) -> str:
    """The number as USPS prints it: no spaces, upper case."""
    return re.sub(r"\s+", "", number).upper()


def _error_detail(error) -> str:
    """USPS's `error{code, message}` as one line."""
    if not isinstance(error, dict):
        return parsing.text(str(error))
    return parsing.text(f"{error.get('code') or ''} {error.get('message') or ''}")


def _item_for(items: list, number: str) -> dict:
    """The response object for `number`; a lone object is taken even if USPS reformatted it."""
    for item in items:
        if compact(str(item.get("trackingNumber") or "")) == compact(number):
            return item
    if len(items) == 1 and isinstance(items[0], dict):
        return items[0]
    raise ValueError(f"no tracking object for {number!r} among {len(items)}")


def _code(raw: dict) -> str:
    return (parsing.clean(raw.get("eventCode"), 10) or "").upper()


def _event(raw: dict) -> CarrierEvent | None:
    """One scan; its status is left empty when the code is unknown (filled by settle)."""
    code, description = _code(raw), parsing.text(raw.get("eventType"))
    try:
        local, offset = _when(raw)
    except ValueError:
        local = None
    if local is None:
        log.warning("usps: scan without a readable time skipped: %r %r", code, description)
        return None
    canonical = EVENT_CODES.get(code)
    if canonical is None:
        log.warning("usps: unknown event code %r (%s)", code, description)
        canonical = Canonical("")
    elif canonical.status == Status.DELIVERED and canonical.substatus is None:
        lowered = description.lower()
        detail = next((sub for words, sub in DELIVERED_DETAILS if words in lowered), None)
        canonical = Canonical(Status.DELIVERED, detail or ("signed" if raw.get("name") else None))
    return CarrierEvent(
        occurred_at_local=local, utc_offset_minutes=offset, status=canonical.status,
        description=description, carrier_status_code=code or None, substatus=canonical.substatus,
        location=Location(
            city=parsing.clean(raw.get("eventCity")), region=parsing.clean(raw.get("eventState")),
            postal_code=parsing.clean(raw.get("eventZIP"), 20), country=_country(raw),
        ),
    )


def _when(raw: dict) -> tuple[datetime | None, int | None]:
    """Local wall time and offset: GMTOffset when readable, else eventTimestamp - GMTTimestamp."""
    local = utc = None
    if raw.get("eventTimestamp"):
        # Documented as local time; a stray suffix on it is not trusted over GMTOffset.
        local = parsing.local_time(raw["eventTimestamp"])[0]
    if raw.get("GMTTimestamp"):
        naive, offset = parsing.local_time(raw["GMTTimestamp"])
        utc = naive - timedelta(minutes=offset or 0)
    offset = _gmt_offset(raw.get("GMTOffset"))
    if offset is None and local and utc:
        # GMTTimestamp keeps the seconds the local time drops: round to a quarter hour.
        offset = _plausible(round((local - utc).total_seconds() / 900) * 15)
    if local is None and utc is not None:
        return (utc + timedelta(minutes=offset), offset) if offset is not None else (utc, 0)
    return local, offset


def _gmt_offset(value) -> int | None:
    """`-05:00`, `-5:00`, `-0500` or minutes (`-300`); None when unreadable or implausible."""
    text = str(value).strip() if value is not None else ""
    match = _SHORT_OFFSET.fullmatch(text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return _plausible(sign * (int(match.group(2)) * 60 + int(match.group(3))))
    minutes = parsing.offset_minutes(text)
    return None if minutes is None else _plausible(minutes)


def _plausible(minutes: int) -> int | None:
    return minutes if minutes % 15 == 0 and abs(minutes) <= 14 * 60 else None


def _country(raw: dict) -> str | None:
    """ISO code of eventCountry (a name or code); empty on a located scan means a US one."""
    value = parsing.clean(raw.get("eventCountry"), 60)
    if value:
        return parsing.country_code(value)
    located = any(raw.get(k) for k in ("eventCity", "eventState", "eventZIP"))
    return "US" if located else None
