"""FedEx: Track API v1 over OAuth2, up to 30 numbers per request."""
import logging
import re
from dataclasses import replace
from datetime import datetime

from .base import (
    CarrierAdapter, CarrierEvent, HttpRequest, Location, Outcome, RateLimit, TrackResult, failed,
)
from .parsing import clean, country, json_body, local_time, text, utc_instant

log = logging.getLogger("tracking.carriers.fedex")

# eventType (and the coarser derivedStatusCode, same vocabulary plus IN) -> (status, substatus).
STATUSES: dict[str, tuple[str, str | None]] = {
    "OC": ("info_received", "label_created"),
    "IN": ("info_received", "label_created"),  # derived code "Initiated": label created
    "PU": ("in_transit", "picked_up"),
    "AR": ("in_transit", "arrived_at_facility"),
    "AF": ("in_transit", "arrived_at_facility"),
    "DP": ("in_transit", "departed_facility"),
    "IT": ("in_transit", None),
    "OD": ("out_for_delivery", None),
    "DL": ("delivered", None),
    "DE": ("failed_attempt", None),  # delivery exception: the courier came and could not deliver
    "DY": ("in_transit", "delayed"),
    "HL": ("available_for_pickup", None),  # hold at location: waits at a FedEx site
    "HP": ("available_for_pickup", None),
    "RS": ("exception", "returning_to_sender"),
    "CA": ("exception", "cancelled"),
    "SE": ("exception", None),
    "CC": ("in_transit", "customs_cleared"),
    "CD": ("exception", "customs"),
    "CP": ("in_transit", "customs"),
}
RUNNING_LATE = "RL"  # latestStatusDetail.derivedCode outside the published table
NOT_FOUND_CODES = ("TRACKING.TRACKINGNUMBER.NOTFOUND",)
INVALID_CODES = ("TRACKING.TRACKINGNUMBER.INVALID", "TRACKING.TRACKINGNUMBER.EMPTY")
_ORDER_FLOOR = datetime.min


def _express_check(number: str) -> bool:
    """Express 12-digit check: weights 3,1,7 from the left over 11 digits, sum mod 11 mod 10."""
    total = sum(int(d) * (3, 1, 7)[i % 3] for i, d in enumerate(number[:11]))
    return total % 11 % 10 == int(number[11])


class FedEx(CarrierAdapter):
    code = "fedex"
    name = "FedEx"
    batch_size = 30
    rate_limit = RateLimit(per_second=140, per_day=100_000)  # 1,400 per 10 s; ~100k a day
    default_base_url = "https://apis.fedex.com"
    required_settings = ("client_id", "client_secret")
    uses_oauth = True

    @classmethod
    def recognises(cls, tracking_number: str) -> bool:
        """12 digits with a valid check digit, 15 digits, 22 digits starting 96, or 34 digits."""
        number = re.sub(r"\s", "", tracking_number or "")
        if not number.isascii() or not number.isdigit():
            return False
        if len(number) == 12:
            return _express_check(number)
        return len(number) in (15, 34) or (len(number) == 22 and number.startswith("96"))

    def token_request(self) -> HttpRequest:
        return HttpRequest("POST", f"{self.base_url}/oauth/token", data={
            "grant_type": "client_credentials",
            "client_id": self.settings.get("client_id", ""),
            "client_secret": self.settings.get("client_secret", ""),
        })

    def build_requests(self, numbers: list[str]) -> list[HttpRequest]:
        """One POST per 30 numbers."""
        return [
            HttpRequest(
                "POST", f"{self.base_url}/track/v1/trackingnumbers",
                numbers=tuple(chunk),
                headers={"Content-Type": "application/json", "X-locale": "en_US"},
                json={"includeDetailedScans": True, "trackingInfo": [
                    {"trackingNumberInfo": {"trackingNumber": n}} for n in chunk
                ]},
            )
            for chunk in (numbers[i:i + self.batch_size]
                          for i in range(0, len(numbers), self.batch_size))
        ]

    def parse(self, request: HttpRequest, status: int, body: bytes) -> list[TrackResult]:
        data = json_body(body)
        if status >= 400:
            return _request_error(request.numbers, status, data)
        by_number = {}
        for complete in data["output"]["completeTrackResults"]:
            by_number.setdefault(str(complete["trackingNumber"]).strip(), complete["trackResults"])
        results = []
        for number in request.numbers:
            track_results = by_number.get(number.strip())
            if not track_results:
                results.append(TrackResult(number, Outcome.BAD_RESPONSE,
                                           detail="number missing from the FedEx response"))
                continue
            try:
                results.append(_result(number, _newest(track_results)))
            except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
                log.warning("fedex: unreadable result for %s: %r", number, exc)
                results.append(TrackResult(number, Outcome.BAD_RESPONSE,
                                           detail=f"{type(exc).__name__}: {exc}"[:500]))
        return results


def _request_error(numbers, status: int, data) -> list[TrackResult]:
    """A 4xx answer: its `errors[].code` says why; a number error in a batch cannot be pinned."""
    errors = (data.get("errors") or []) if isinstance(data, dict) else []
    codes = [str(e.get("code", "")) for e in errors if isinstance(e, dict)]
    detail = f"HTTP {status}: " + "; ".join(
        f"{e.get('code')} {text(e.get('message'))}" for e in errors if isinstance(e, dict))
    if any(c in NOT_FOUND_CODES for c in codes):
        return failed(numbers, Outcome.NOT_FOUND, detail)
    if any(c in INVALID_CODES for c in codes) and len(numbers) == 1:
        return failed(numbers, Outcome.INVALID_NUMBER, detail)
    return failed(numbers, Outcome.BAD_RESPONSE, detail)


def _has_data(track: dict) -> bool:
    # The spec's own example fills every field, error included: data beats a stray error.
    return bool(track.get("scanEvents") or track.get("latestStatusDetail"))


def _newest(track_results: list[dict]) -> dict:
    """A reused number has several shipments: the one with the latest scan (or ship date).

    Instants are compared in UTC where FedEx gives an offset, as wall time where it does not.
    """
    def latest(track: dict) -> datetime:
        dates = [e.get("date") for e in track.get("scanEvents") or []]
        dates += [d.get("dateTime") for d in track.get("dateAndTimes") or []
                  if d.get("type") in ("SHIP", "ACTUAL_PICKUP")]
        instants = [_instant(d) for d in dates if d]
        return max(instants, default=_ORDER_FLOOR)
    with_data = [t for t in track_results if _has_data(t)]
    return max(with_data, key=latest) if with_data else track_results[0]


def _instant(value: str) -> datetime:
    local, offset = local_time(value)
    return utc_instant(local, offset).replace(tzinfo=None) if offset is not None else local


def _aware(value: str | None) -> datetime | None:
    """An aware instant when FedEx gave an offset; None rather than a guess."""
    if not value:
        return None
    local, offset = local_time(value)
    return utc_instant(local, offset) if offset is not None else None


def _result(number: str, track: dict) -> TrackResult:
    error = track.get("error") or {}
    if error and not _has_data(track):
        code = str(error.get("code", ""))
        detail = f"{code}: {text(error.get('message'))}"
        if code in NOT_FOUND_CODES:
            return TrackResult(number, Outcome.NOT_FOUND, detail=detail, raw=track)
        if code in INVALID_CODES or ".INVALID" in code:
            return TrackResult(number, Outcome.INVALID_NUMBER, detail=detail, raw=track)
        return TrackResult(number, Outcome.BAD_RESPONSE, detail=detail[:500], raw=track)
    events = _events(track.get("scanEvents") or [])
    latest = track.get("latestStatusDetail") or {}
    late = latest.get("derivedCode") == RUNNING_LATE \
        or (latest.get("delayDetail") or {}).get("status") == "DELAYED"
    if late and events and events[-1].status == "in_transit":
        events[-1] = replace(events[-1], substatus="delayed")
    times = {d.get("type"): d.get("dateTime") for d in track.get("dateAndTimes") or []}
    details = track.get("deliveryDetails") or {}
    delivered = "ACTUAL_DELIVERY" in times or any(e.status == "delivered" for e in events)
    signer = (clean(details.get("signedByName"), 200) or clean(details.get("receivedByName"), 200)
              if delivered else None)
    if signer and events and events[-1].status == "delivered":
        events[-1] = replace(events[-1], substatus="signed")
    window = (track.get("estimatedDeliveryTimeWindow") or {}).get("window") or {}
    earliest, latest_eta = _window(window.get("begins"), window.get("ends"))
    if not earliest and not latest_eta:
        earliest = _aware(times.get("ESTIMATED_DELIVERY"))
    return TrackResult(
        number, events=events,
        estimated_delivery_earliest=earliest, estimated_delivery_latest=latest_eta,
        delivered_at=_aware(times.get("ACTUAL_DELIVERY")), signed_by=signer,
        service=text((track.get("serviceDetail") or {}).get("description")) or None,
        raw=track,
    )


def _window(begins: str | None, ends: str | None) -> tuple[datetime | None, datetime | None]:
    """Both ends of an ETA window; an end without offset borrows the other's (same place)."""
    ends_ = [local_time(v) if v else None for v in (begins, ends)]
    known = [offset for _, offset in filter(None, ends_) if offset is not None]
    if not known:
        return None, None  # wall times with no offset: never stamped as UTC
    return tuple(
        utc_instant(local, known[0] if offset is None else offset) if local else None
        for local, offset in (end or (None, None) for end in ends_)
    )


def _events(scans: list[dict]) -> list[CarrierEvent]:
    """Scans oldest first, each with its canonical meaning."""
    dated = [s for s in scans if s.get("date")]
    dated.sort(key=lambda s: _instant(s["date"]))
    events, previous = [], "info_received"
    for scan in dated:
        local, offset = local_time(scan["date"])
        code = str(scan.get("eventType") or "").strip().upper()
        derived = str(scan.get("derivedStatusCode") or "").strip().upper()
        status, substatus = STATUSES.get(code) or STATUSES.get(derived) or (None, None)
        if status is None:
            # An unreadable scan moves nothing: it keeps the status of the scan before it
            # (info_received before any movement). Never a guessed in_transit.
            log.warning("fedex: unknown eventType %r (derivedStatusCode %r)", code, derived)
            status = previous
        where = scan.get("scanLocation") or {}
        country_code = country(where.get("countryCode"))
        events.append(CarrierEvent(
            occurred_at_local=local, utc_offset_minutes=offset,
            status=status, substatus=substatus,
            description=_description(scan), carrier_status_code=code or None,
            location=Location(clean(where.get("city")), clean(where.get("stateOrProvinceCode")),
                              clean(where.get("postalCode"), 20),
                              country_code),
        ))
        previous = status
    return events


def _description(scan: dict) -> str:
    """The scan text, with the exception's reason when FedEx gives one."""
    main = text(scan.get("eventDescription")) or text(scan.get("derivedStatus"))
    reason = text(scan.get("exceptionDescription"))
    if reason and reason.casefold() not in main.casefold():
        return f"{main}: {reason}" if main else reason
    return main
