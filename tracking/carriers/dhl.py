"""DHL Shipment Tracking - Unified (API key): coarse status codes, finer meaning in free text."""
import logging
import re

from tracking_numbers.checksum_validator import S10, Mod7

from ..status import Canonical, Status
from . import parsing
from .base import (
    CarrierAdapter, CarrierEvent, HttpRequest, Location, Outcome, RateLimit, TrackResult, failed,
)

log = logging.getLogger(__name__)

# Event statusCode -> meaning. "pre-transit" is a label, not movement. "unknown" and a missing
# code are read from the text alone.
STATUS_CODES: dict[str, Canonical] = {
    "pre-transit": Canonical(Status.INFO_RECEIVED, "label_created"),
    "transit": Canonical(Status.IN_TRANSIT),
    "delivered": Canonical(Status.DELIVERED),
    "failure": Canonical(Status.EXCEPTION),
}
# Phrases in status/description that say more than a transit, failure or unknown code.
# The first phrase found wins, so the more serious meanings come first.
RETURN_PHRASES = ("return to sender", "returned to sender", "back to the sender",
                  "returned to the sender", "returned to shipper")
PHRASES: tuple[tuple[str, Canonical], ...] = (
    *((phrase, Canonical(Status.EXCEPTION, "returning_to_sender")) for phrase in RETURN_PHRASES),
    ("returned", Canonical(Status.EXCEPTION, "returning_to_sender")),
    ("refused", Canonical(Status.EXCEPTION, "refused")),
    ("damaged", Canonical(Status.EXCEPTION, "damaged")),
    ("delivery attempt", Canonical(Status.FAILED_ATTEMPT)),
    ("attempted delivery", Canonical(Status.FAILED_ATTEMPT)),
    ("could not be delivered", Canonical(Status.FAILED_ATTEMPT)),
    ("recipient not home", Canonical(Status.FAILED_ATTEMPT, "recipient_unavailable")),
    ("out for delivery", Canonical(Status.OUT_FOR_DELIVERY)),
    ("with delivery courier", Canonical(Status.OUT_FOR_DELIVERY)),
    ("onto the delivery vehicle", Canonical(Status.OUT_FOR_DELIVERY)),
    ("parcel locker", Canonical(Status.AVAILABLE_FOR_PICKUP, "delivered_to_locker")),
    ("packstation", Canonical(Status.AVAILABLE_FOR_PICKUP, "delivered_to_locker")),
    ("ready for pick", Canonical(Status.AVAILABLE_FOR_PICKUP)),
    ("available for pick", Canonical(Status.AVAILABLE_FOR_PICKUP)),
    ("awaiting collection", Canonical(Status.AVAILABLE_FOR_PICKUP)),
)
# The plain words of DHL Express scans: the meaning of a scan without a readable code, and
# the substatus of a transit one.
PLAIN_WORDS: tuple[tuple[str, Canonical], ...] = (
    ("delivered", Canonical(Status.DELIVERED)),
    ("customs", Canonical(Status.IN_TRANSIT, "customs")),
    ("clearance", Canonical(Status.IN_TRANSIT, "customs")),
    ("picked up", Canonical(Status.IN_TRANSIT, "picked_up")),
    ("arrived", Canonical(Status.IN_TRANSIT, "arrived_at_facility")),
    ("departed", Canonical(Status.IN_TRANSIT, "departed_facility")),
    ("processed", Canonical(Status.IN_TRANSIT)),
    ("in transit", Canonical(Status.IN_TRANSIT)),
)
# Where a delivered shipment was left.
DELIVERED_DETAILS = (
    ("parcel locker", "delivered_to_locker"),
    ("packstation", "delivered_to_locker"),
    ("neighbo", "delivered_to_neighbour"),
    ("retail outlet", "delivered_to_pickup_point"),
    ("signed for", "signed"),
)
EXPRESS = re.compile(r"\d{10}")  # last digit = the first nine as a number, mod 7
ECOMMERCE = re.compile(r"GM\d{16,18}")  # DHL eCommerce (length unconfirmed)
# S10 numbers of Deutsche Post DHL (issued in DE), and the eCommerce LX/RX series.
S10_DHL = re.compile(r"[A-Z]{2}\d{9}DE|[LR]X\d{9}[A-Z]{2}")


class DHL(CarrierAdapter):
    """DHL Unified tracking; settings `api_key`, optional `service` (express, parcel-de, ...).

    `service` is sent only when configured: without it DHL searches every service and may
    answer with another shipment of the same number, so set it when all your DHL parcels
    travel with one service.
    """

    code = "dhl"
    name = "DHL"
    batch_size = 1
    rate_limit = RateLimit(per_second=1, per_day=250)
    max_polls_per_day = 10  # DHL asks for at most about 10 fetches per shipment per day
    default_base_url = "https://api-eu.dhl.com"
    required_settings = ("api_key",)
    uses_oauth = False

    @classmethod
    def recognises(cls, tracking_number: str) -> bool:
        """DHL Express waybills (10 digits, mod 7), eCommerce GM numbers, DHL S10 numbers."""
        number = re.sub(r"\s+", "", tracking_number).upper()
        digits = [int(c) for c in number if c.isdigit()]
        if EXPRESS.fullmatch(number):
            return Mod7().passes(digits[:9], digits[9])
        if S10_DHL.fullmatch(number):
            return S10().passes(digits[:8], digits[8])
        return bool(ECOMMERCE.fullmatch(number))

    def build_requests(self, numbers: list[str]) -> list[HttpRequest]:
        service = {"service": self.settings["service"]} if self.settings.get("service") else {}
        return [
            HttpRequest(
                "GET", f"{self.base_url}/track/shipments", numbers=(n,),
                headers={"DHL-API-Key": self.settings.get("api_key", ""),
                         "Accept": "application/json"},
                params={"trackingNumber": re.sub(r"\s+", "", n), **service},
            )
            for n in numbers
        ]

    def parse(self, request: HttpRequest, status: int, body: bytes) -> list[TrackResult]:
        """404 problem JSON is NOT_FOUND, 400 INVALID_NUMBER; 200 has `shipments`."""
        if status in (400, 404):
            # A 404 that is not DHL's problem JSON (a gateway page) is a wrong URL, not an answer.
            problem = parsing.json_body(body)
            detail = parsing.text(f"{problem['title']}: {problem.get('detail') or ''}")
            outcome = Outcome.NOT_FOUND if status == 404 else Outcome.INVALID_NUMBER
            return failed(request.numbers, outcome, detail)
        if not 200 <= status < 300:
            return failed(request.numbers, Outcome.BAD_RESPONSE, f"HTTP {status}")
        data = parsing.json_body(body)
        # The real body is {"shipments": [...]}; karrio's sample wraps it in trackingResponse.
        shipments = data.get("shipments")
        if shipments is None:
            shipments = data["trackingResponse"]["shipments"]
        [number] = request.numbers
        shipment = self._pick(shipments, number)
        if shipment is None:
            return failed(request.numbers, Outcome.NOT_FOUND, "no shipment in the response")
        return [self._result(number, shipment)]

    def _pick(self, shipments: list, number: str) -> dict | None:
        """The shipment with this id, preferring the configured service; else the first."""
        key = re.sub(r"\s+", "", number).upper()
        same = [s for s in shipments if re.sub(r"\s+", "", str(s.get("id", ""))).upper() == key]
        service = self.settings.get("service")
        preferred = [s for s in same if service and s.get("service") == service]
        return next(iter(preferred or same or shipments), None)

    def _result(self, number: str, shipment: dict) -> TrackResult:
        events = [e for e in map(_event, shipment.get("events") or []) if e is not None]
        latest = shipment.get("status") or {}
        current = _meaning(str(latest.get("statusCode") or "").lower(), parsing.text(
            f"{latest.get('status') or ''} {latest.get('description') or ''}").lower())
        events = parsing.settle(events, current.status if current else None)
        details = shipment.get("details") or {}
        delivered = bool(events) and events[-1].status == Status.DELIVERED
        proof = details.get("proofOfDelivery") or {} if delivered else {}
        frame = shipment.get("estimatedDeliveryTimeFrame") or {}
        single = parsing.aware_instant(shipment.get("estimatedTimeOfDelivery"))
        product = parsing.text((details.get("product") or {}).get("productName"))
        return TrackResult(
            number, Outcome.OK, events=events,
            estimated_delivery_earliest=parsing.aware_instant(frame.get("estimatedFrom")) or single,
            estimated_delivery_latest=parsing.aware_instant(frame.get("estimatedThrough")) or single,
            delivered_at=(parsing.aware_instant(proof.get("timestamp")) or parsing.instant_if_known(events[-1])
                          if delivered else None),
            signed_by=_person(proof.get("signed")),
            # "UNKNOWN - Product unknown" is DHL's placeholder, not a service name.
            service=None if product.upper().startswith("UNKNOWN") else product or None,
            raw=shipment,
        )


def _event(raw: dict) -> CarrierEvent | None:
    """One scan; its status is left empty when neither code nor text is readable (see settle)."""
    code = parsing.clean(raw.get("statusCode"), 40)
    title, description = parsing.text(raw.get("status")), parsing.text(raw.get("description"))
    text = description or title
    try:
        local, offset = parsing.local_time(raw["timestamp"])
    except (KeyError, TypeError, AttributeError, ValueError):
        log.warning("dhl: scan without a readable time skipped: %r %r", code, text)
        return None
    canonical = _meaning(code.lower() if code else None, f"{title} {description}".lower())
    if canonical is None or (code and code.lower() not in (*STATUS_CODES, "unknown")):
        log.warning("dhl: unknown event statusCode %r (%s): %s", code, text,
                    "read from its text" if canonical else "unreadable")
    canonical = canonical or Canonical("")
    return CarrierEvent(
        occurred_at_local=local, utc_offset_minutes=offset, status=canonical.status,
        description=text, carrier_status_code=code, substatus=canonical.substatus,
        location=_location((raw.get("location") or {}).get("address") or {}),
    )


def _meaning(code: str | None, words: str) -> Canonical | None:
    """The statusCode refined by the phrase table; for unreadable codes, the plain words."""
    coarse = STATUS_CODES.get(code)
    if coarse and coarse.status == Status.INFO_RECEIVED:
        return coarse
    if coarse and coarse.status == Status.DELIVERED:
        if any(phrase in words for phrase in RETURN_PHRASES):  # delivered back to the sender
            return Canonical(Status.EXCEPTION, "returned_to_sender")
        return Canonical(Status.DELIVERED, _first(DELIVERED_DETAILS, words))
    finer = _first(PHRASES, words)
    if finer:
        return finer
    plain = _first(PLAIN_WORDS, words)
    if coarse:
        # Plain words only add a substatus (picked up, customs...) to a transit scan.
        moving = coarse.status == Status.IN_TRANSIT and plain and plain.status == Status.IN_TRANSIT
        return plain if moving else coarse
    if plain and plain.status == Status.DELIVERED:
        return Canonical(Status.DELIVERED, _first(DELIVERED_DETAILS, words))
    return plain


def _first(table, words: str):
    return next((meaning for phrase, meaning in table if phrase in words), None)


def _location(address: dict) -> Location:
    """City from the free-text locality ("Leipzig - Germany", "BONN, DE", "Street 2, CITY")."""
    locality = parsing.clean(address.get("addressLocality")) or ""
    country = None
    if " - " in locality:  # "CITY[, REGION] - COUNTRY NAME"
        head, _, rest = locality.partition(" - ")
        city, country = head.split(",")[0], parsing.country_code(rest.rsplit(" - ", 1)[-1])
    else:
        parts = [p.strip() for p in locality.split(",") if p.strip()]
        if len(parts) > 1 and parsing.country_code(parts[-1]):
            country = parsing.country_code(parts.pop())
        city = parts[-1] if parts else ""
    return Location(
        city=city.strip() or None, postal_code=parsing.clean(address.get("postalCode"), 20),
        country=parsing.country(address.get("countryCode")) or country,
    )


def _person(value) -> str | None:
    if not isinstance(value, dict):
        return None
    name = value.get("name") or f"{value.get('givenName') or ''} {value.get('familyName') or ''}"
    return parsing.clean(name, 200)
