"""Prometheus counters for polls, kept in the worker process (served on WORKER_METRICS_PORT)."""
from prometheus_client import Counter, Histogram

from ..carriers.base import TrackResult

POLLS = Counter("tracking_polls_total", "Shipment polls by carrier and outcome",
                ["carrier", "outcome"])
POLL_SECONDS = Histogram("tracking_carrier_request_seconds", "Carrier HTTP round trips",
                         ["carrier"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30))


def observe(carrier: str, result: TrackResult) -> None:
    """Count one poll's outcome (one per tracking number)."""
    POLLS.labels(carrier, str(result.outcome)).inc()


def observe_requests(carrier: str, results: list[TrackResult]) -> None:
    """Time a batch's HTTP round trips: once per request, not once per number it carried.

    The transport stamps every result of one request with that request's duration, so each
    distinct duration is one round trip (the poller sends one request per batch).
    """
    for duration_ms in {r.duration_ms for r in results if r.duration_ms is not None}:
        POLL_SECONDS.labels(carrier).observe(duration_ms / 1000)
