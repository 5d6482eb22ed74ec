"""What every carrier adapter takes and gives: requests in, normalised results out."""
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Location:
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class CarrierEvent:
    """One scan as the carrier reported it, with its canonical meaning."""

    occurred_at_local: datetime  # the carrier's wall-clock time, naive
    utc_offset_minutes: int | None  # None when the carrier gave no offset
    status: str  # canonical status (tracking.status)
    description: str
    carrier_status_code: str | None = None
    substatus: str | None = None
    location: Location = field(default_factory=Location)


@dataclass(frozen=True)
class TrackRequest:
    """A shipment to look up; `registered_at` lets the simulated carrier play its scenario."""

    tracking_number: str
    registered_at: datetime | None = None


@dataclass
class TrackResult:
    """What one poll learned about one tracking number.

    `outcome` is "ok" when the carrier knows the number and "not_found" when it does
    not (yet); the carriers issue adds typed failures.
    """

    tracking_number: str
    outcome: str = "ok"
    events: list[CarrierEvent] = field(default_factory=list)
    estimated_delivery_earliest: datetime | None = None  # aware
    estimated_delivery_latest: datetime | None = None  # aware
    delivered_at: datetime | None = None  # aware
    signed_by: str | None = None
    service: str | None = None
    detail: str | None = None


class CarrierAdapter:
    """Base class of carrier adapters: declare `code`, `name`, `batch_size`, implement `track`."""

    code: str = ""
    name: str = ""
    batch_size: int = 1

    def __init__(self, settings: dict | None = None):
        self.settings = settings or {}

    @classmethod
    def recognises(cls, tracking_number: str) -> bool:
        """Whether a number has this carrier's format; used to pick a carrier when none is named."""
        return False

    def track(self, requests: list[TrackRequest]) -> list[TrackResult]:
        """Look up at most `batch_size` numbers; one result per request, in any order."""
        raise NotImplementedError
