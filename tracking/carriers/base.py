"""What every carrier adapter takes and gives: requests in, normalised results out."""
import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Outcome(enum.StrEnum):
    """What one poll of one number came to; the poller acts on each differently."""

    OK = "ok"
    NOT_FOUND = "not_found"  # the carrier does not know the number (yet): stay pending, retry later
    INVALID_NUMBER = "invalid_number"  # the carrier says the number cannot be one of theirs
    AUTH_FAILED = "auth_failed"  # credentials refused
    THROTTLED = "throttled"  # 429: wait `retry_after` seconds when given
    SERVER_ERROR = "server_error"  # 5xx
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"  # connection refused, DNS, TLS
    BAD_RESPONSE = "bad_response"  # a body we could not read
    NOT_CONFIGURED = "not_configured"  # settings missing for this carrier

    @property
    def is_failure(self) -> bool:
        return self not in (Outcome.OK, Outcome.NOT_FOUND)


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
    """What one poll learned about one tracking number: an Outcome, and when OK, the facts."""

    tracking_number: str
    outcome: Outcome = Outcome.OK
    events: list[CarrierEvent] = field(default_factory=list)
    estimated_delivery_earliest: datetime | None = None  # aware
    estimated_delivery_latest: datetime | None = None  # aware
    delivered_at: datetime | None = None  # aware
    signed_by: str | None = None
    service: str | None = None
    detail: str | None = None  # why, for failures: logged and shown to support, never to shoppers
    retry_after: float | None = None  # seconds, when the carrier said how long to wait
    raw: Any = None  # the carrier's payload for this number, kept for support
    http_status: int | None = None  # set by the transport
    duration_ms: int | None = None  # the HTTP round trip, set by the transport


def failed(numbers, outcome: Outcome, detail: str = "", retry_after: float | None = None):
    """The same failure for every number of a request."""
    return [TrackResult(n, outcome, detail=detail[:500], retry_after=retry_after) for n in numbers]


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP call to a carrier, built by a pure function; `numbers` are the ones it asks about."""

    method: str
    url: str
    numbers: tuple[str, ...] = ()
    headers: dict = field(default_factory=dict)
    params: dict | None = None
    json: Any = None
    data: dict | None = None


@dataclass(frozen=True)
class RateLimit:
    """A carrier's published limits, per account: shared by every worker (polling engine)."""

    per_second: float | None = None
    per_day: int | None = None


class CarrierAdapter:
    """Base class of carrier adapters.

    A real carrier declares its code, name, batch size, limits (account-wide `rate_limit`, and
    `max_polls_per_day` per shipment when the carrier asks for one) and settings, and implements
    the pure `build_requests` and `parse` (and `token_request` when it uses OAuth2);
    `track` then does the HTTP through `carriers.http`. The simulated carrier overrides
    `track` itself.
    """

    code: str = ""
    name: str = ""
    batch_size: int = 1
    rate_limit: RateLimit = RateLimit()
    # Most polls of one shipment in any 24 h that the carrier accepts; None: no such cap.
    max_polls_per_day: int | None = None
    default_base_url: str = ""
    required_settings: tuple[str, ...] = ()
    uses_oauth: bool = False

    def __init__(self, settings: dict | None = None):
        # Credentials from the environment arrive JSON-decoded (an all-digit key becomes an int).
        self.settings = {k: str(v) if k in self.required_settings and v is not None else v
                         for k, v in (settings or {}).items()}

    @property
    def base_url(self) -> str:
        """Scheme and host of the API; a sandbox or a local test server can stand in."""
        return (self.settings.get("base_url") or self.default_base_url).rstrip("/")

    def missing_settings(self) -> list[str]:
        return [key for key in self.required_settings if not self.settings.get(key)]

    def build_requests(self, numbers: list[str]) -> list[HttpRequest]:
        """The HTTP calls that ask about `numbers` (at most `batch_size`). Pure."""
        raise NotImplementedError

    def parse(self, request: HttpRequest, status: int, body: bytes) -> list[TrackResult]:
        """Results for `request.numbers` from a response the transport did not treat as a failure.

        Pure. May raise ValueError, KeyError, TypeError, IndexError or AttributeError on a
        body it cannot read: the transport turns those into BAD_RESPONSE.
        """
        raise NotImplementedError

    def token_request(self) -> HttpRequest:
        """The OAuth2 client-credentials call, for carriers with `uses_oauth`. Pure."""
        raise NotImplementedError

    @classmethod
    def recognises(cls, tracking_number: str) -> bool:
        """Whether a number has this carrier's format; used to pick a carrier when none is named."""
        return False

    def track(self, requests: list[TrackRequest], now: datetime | None = None) -> list[TrackResult]:
        """Look up at most `batch_size` numbers; one result per number, never an exception.

        `now` is the polling round's clock; only the simulated carrier, which plays time, uses it.
        """
        from .http import execute
        numbers = [r.tracking_number for r in requests]
        missing = self.missing_settings()
        if missing:
            return failed(numbers, Outcome.NOT_CONFIGURED, f"missing settings: {', '.join(missing)}")
        results = []
        for request in self.build_requests(numbers):
            results.extend(execute(self, request))
        return results
