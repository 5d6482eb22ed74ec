"""Helpers for the polling tests: a fake carrier adapter, scans, reading shipments back."""
from datetime import datetime, timedelta, timezone

from tracking.carriers.base import CarrierAdapter, CarrierEvent, Location, TrackRequest, TrackResult
from tracking.extensions import db
from tracking.models import Shipment


class FakeCarrier(CarrierAdapter):
    """Records every call; answers each number with one scan, or with what `answer` returns."""

    code = "fake"
    name = "Fake Carrier"

    def __init__(self, code: str = "fake", batch_size: int = 50, answer=None, error=None):
        super().__init__({})
        self.code = code
        self.batch_size = batch_size
        self.answer = answer
        self.error = error
        self.calls: list[list[str]] = []

    def track(self, requests: list[TrackRequest], now=None) -> list[TrackResult]:
        self.calls.append([r.tracking_number for r in requests])
        if self.error is not None:
            raise self.error
        if self.answer is not None:
            return [r for r in (self.answer(req) for req in requests) if r is not None]
        recent = datetime.now(timezone.utc) - timedelta(hours=1)
        return [TrackResult(req.tracking_number, events=[scan(recent)]) for req in requests]

    @property
    def polled(self) -> list[str]:
        return [number for call in self.calls for number in call]


def scan(when: datetime, status: str = "in_transit", description: str = "Arrived at facility"):
    """A carrier event at a UTC wall time (`when` aware or naive)."""
    local = when.astimezone(timezone.utc).replace(tzinfo=None) if when.tzinfo else when
    return CarrierEvent(local, 0, status, description, carrier_status_code="AR",
                        location=Location("Memphis", "TN", "38118", "US"))


def reload(shipment: Shipment) -> Shipment:
    """The shipment as the database has it now."""
    db.session.expire_all()
    return db.session.get(Shipment, shipment.id)


def hours(shipment: Shipment, scenario_hours: float) -> datetime:
    """The instant `scenario_hours` into a demo shipment's journey (1 scenario hour = 1 s in tests)."""
    return shipment.created_at + timedelta(seconds=scenario_hours)


def due_at(shipment: Shipment, when: datetime) -> Shipment:
    """Make a shipment due from `when` on."""
    shipment.next_poll_at = when
    db.session.commit()
    return shipment


def policy_next(shipment: Shipment, now: datetime) -> datetime | None:
    """When the policy (POLL_POLICY) says to poll `shipment`, as stored now, after a poll at `now`."""
    from flask import current_app

    from tracking.polling import policy, schedule
    return policy.next_poll(schedule.poll_state(reload(shipment)), now,
                            current_app.config["POLL_POLICY"])


def retry_wait(failures: int) -> timedelta:
    """The backoff after `failures` failed polls in a row (no jitter: POLL_POLICY jitter is 0)."""
    from flask import current_app
    base = current_app.config["POLL_RETRY_SECONDS"]
    return timedelta(seconds=min(base * 2 ** (failures - 1), 86400))
