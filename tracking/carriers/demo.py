"""Demo Express: a simulated carrier that plays scripted journeys in accelerated time."""
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from .base import CarrierAdapter, CarrierEvent, Location, TrackRequest, TrackResult

SERVICE = "Demo Ground"
SIGNER = "J. DOE"
ETA_WINDOW_HOURS = 4


class Place(NamedTuple):
    city: str
    region: str
    postal_code: str
    country: str
    utc_offset_minutes: int

    def location(self) -> Location:
        """The place as a carrier Location."""
        return Location(self.city, self.region, self.postal_code, self.country)


class Step(NamedTuple):
    hours: float
    status: str
    substatus: str | None
    code: str
    description: str
    place: Place


@dataclass(frozen=True)
class Scenario:
    """A scripted journey: its scans, and ETA revisions (from hour, window start hour or None)."""

    steps: tuple[Step, ...]
    eta: tuple[tuple[float, float | None], ...]


LOUISVILLE = Place("Louisville", "KY", "40209", "US", -300)
MEMPHIS = Place("Memphis", "TN", "38118", "US", -360)
DENVER = Place("Denver", "CO", "80239", "US", -420)
PORTLAND = Place("Portland", "OR", "97218", "US", -480)
LEIPZIG = Place("Leipzig", "SN", "04435", "DE", 60)
EAST_MIDLANDS = Place("Castle Donington", "Leicestershire", "DE74 2SA", "GB", 0)
LONDON = Place("London", "Greater London", "SE1 7PB", "GB", 0)

US_TO_DENVER = (
    Step(0.05, "info_received", None, "OC", "Shipment information sent to carrier", LOUISVILLE),
    Step(2, "in_transit", "picked_up", "PU", "Picked up", LOUISVILLE),
    Step(5, "in_transit", "arrived_at_facility", "AR", "Arrived at sort facility", LOUISVILLE),
    Step(8, "in_transit", "departed_facility", "DP", "Departed sort facility", LOUISVILLE),
    Step(13, "in_transit", "arrived_at_facility", "AR", "Arrived at hub", MEMPHIS),
    Step(17, "in_transit", "departed_facility", "DP", "Departed hub", MEMPHIS),
    Step(30, "in_transit", "arrived_at_facility", "AR", "Arrived at sort facility", DENVER),
)
US_TO_PORTLAND = US_TO_DENVER + (
    Step(34, "in_transit", "departed_facility", "DP", "Departed sort facility", DENVER),
    Step(48, "in_transit", "arrived_at_facility", "AR", "Arrived at destination facility",
         PORTLAND),
    Step(56, "out_for_delivery", None, "OD", "Out for delivery", PORTLAND),
)
NO_ONE_HOME = Step(
    58.5, "failed_attempt", "recipient_unavailable", "DE",
    "Delivery attempted - no one available", PORTLAND,
)

SCENARIOS: dict[str, Scenario] = {
    "ontime": Scenario(US_TO_PORTLAND + (
        Step(59.5, "delivered", "signed", "DL", f"Delivered, signed for by {SIGNER}", PORTLAND),
    ), eta=((0, 56),)),
    "delayed": Scenario(US_TO_DENVER + (
        Step(33, "in_transit", "delayed", "DY", "Delayed - weather", DENVER),
        Step(54, "in_transit", "departed_facility", "DP", "Departed sort facility", DENVER),
        Step(68, "in_transit", "arrived_at_facility", "AR", "Arrived at destination facility",
             PORTLAND),
        Step(80, "out_for_delivery", None, "OD", "Out for delivery", PORTLAND),
        Step(83, "delivered", "delivered_to_neighbour", "DL", "Delivered to neighbour", PORTLAND),
    ), eta=((0, 56), (33, 80))),
    "attempt": Scenario(US_TO_PORTLAND + (
        NO_ONE_HOME,
        Step(80, "out_for_delivery", None, "OD", "Out for delivery", PORTLAND),
        Step(82.5, "delivered", None, "DL", "Delivered, front door", PORTLAND),
    ), eta=((0, 56), (58.5, 80))),
    "exception": Scenario(US_TO_DENVER + (
        Step(33, "exception", "damaged", "DE", "Damaged - held at facility for inspection", DENVER),
    ), eta=((0, 56), (33, None))),
    "pickup": Scenario((
        Step(0.05, "info_received", None, "OC", "Shipment information sent to carrier", LEIPZIG),
        Step(2, "in_transit", "picked_up", "PU", "Picked up", LEIPZIG),
        Step(4, "in_transit", "arrived_at_facility", "AR", "Arrived at hub", LEIPZIG),
        Step(9, "in_transit", "departed_facility", "DP", "Departed hub", LEIPZIG),
        Step(14, "in_transit", "arrived_at_facility", "AR", "Arrived at hub", EAST_MIDLANDS),
        Step(16, "in_transit", "customs", "CC", "Customs clearance completed", EAST_MIDLANDS),
        Step(20, "in_transit", "departed_facility", "DP", "Departed hub", EAST_MIDLANDS),
        Step(26, "in_transit", "arrived_at_facility", "AR", "Arrived at delivery facility", LONDON),
        Step(34, "available_for_pickup", "delivered_to_pickup_point", "AP",
             "Available for pickup at Parcel Locker", LONDON),
        Step(50, "delivered", None, "DL", "Collected from Parcel Locker", LONDON),
    ), eta=((0, 32),)),
    "return": Scenario(US_TO_PORTLAND + (
        NO_ONE_HOME,
        Step(80, "out_for_delivery", None, "OD", "Out for delivery", PORTLAND),
        Step(82.5, "failed_attempt", "recipient_unavailable", "DE",
             "Delivery attempted - no one available, final attempt", PORTLAND),
        Step(84, "exception", "returning_to_sender", "RS", "Returning to sender - undeliverable",
             PORTLAND),
        Step(90, "in_transit", "departed_facility", "DP", "Departed sort facility", PORTLAND),
        Step(104, "in_transit", "arrived_at_facility", "AR", "Arrived at sort facility", DENVER),
        Step(108, "in_transit", "departed_facility", "DP", "Departed sort facility", DENVER),
        Step(122, "in_transit", "arrived_at_facility", "AR", "Arrived at sort facility",
             LOUISVILLE),
        Step(128, "exception", "returned_to_sender", "RT", "Returned to sender", LOUISVILLE),
    ), eta=((0, 56), (58.5, 80), (84, None))),
}
SCENARIO_NAMES = tuple(SCENARIOS)


def scenario_for(tracking_number: str) -> str:
    """The scenario a number plays: a scenario word in it, else a stable hash of it."""
    number = tracking_number.strip().upper()
    for name in SCENARIO_NAMES:
        if name.upper() in number:
            return name
    digest = hashlib.sha256(number.encode()).digest()
    return SCENARIO_NAMES[int.from_bytes(digest[:4], "big") % len(SCENARIO_NAMES)]


def _aware_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


class DemoCarrier(CarrierAdapter):
    """Simulated carrier; `seconds_per_hour` sets how many real seconds one scenario hour takes."""

    code = "demo"
    name = "Demo Express"
    batch_size = 50

    @classmethod
    def recognises(cls, tracking_number: str) -> bool:
        """Demo numbers start with DEMO; any other number is still accepted when named."""
        return tracking_number.upper().startswith("DEMO")

    def __init__(self, settings: dict | None = None):
        super().__init__(settings)
        self.seconds_per_hour = float(self.settings.get("seconds_per_hour", 60))
        if self.seconds_per_hour <= 0:
            raise ValueError("seconds_per_hour must be positive")

    def track(
        self, requests: list[TrackRequest], now: datetime | None = None
    ) -> list[TrackResult]:
        """Play each request's scenario up to `now`; results in request order."""
        now = _aware_utc(now or datetime.now(timezone.utc))
        return [self._track_one(request, now) for request in requests]

    def at(self, start: datetime, hours: float) -> datetime:
        """The real instant `hours` scenario hours after `start`."""
        return start + timedelta(seconds=hours * self.seconds_per_hour)

    def _track_one(self, request: TrackRequest, now: datetime) -> TrackResult:
        start = _aware_utc(request.registered_at) if request.registered_at else now
        scenario = SCENARIOS[scenario_for(request.tracking_number)]
        due = [step for step in scenario.steps if self.at(start, step.hours) <= now]
        if not due:
            return TrackResult(request.tracking_number, outcome="not_found")
        result = TrackResult(
            request.tracking_number,
            events=[self._event(step, self.at(start, step.hours)) for step in due],
            service=SERVICE,
        )
        window_start = [hour for since, hour in scenario.eta if since <= due[-1].hours][-1]
        if window_start is not None:
            result.estimated_delivery_earliest = self.at(start, window_start)
            result.estimated_delivery_latest = self.at(start, window_start + ETA_WINDOW_HOURS)
        last = due[-1]
        if last.status == "delivered":
            result.delivered_at = self.at(start, last.hours)
            result.signed_by = SIGNER if last.substatus == "signed" else None
        return result

    @staticmethod
    def _event(step: Step, instant: datetime) -> CarrierEvent:
        offset = step.place.utc_offset_minutes
        local = instant.astimezone(timezone(timedelta(minutes=offset))).replace(tzinfo=None)
        return CarrierEvent(
            occurred_at_local=local,
            utc_offset_minutes=offset,
            status=step.status,
            description=step.description,
            carrier_status_code=step.code,
            substatus=step.substatus,
            location=step.place.location(),
        )
