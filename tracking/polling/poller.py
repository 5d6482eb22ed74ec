"""One polling round: claim due shipments, ask their carriers in batches, merge what comes back."""
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app

from .. import timeline
from ..carriers import TrackRequest, get_adapter
from ..carriers.base import Outcome
from ..extensions import db
from ..models import Shipment
from ..models.types import utcnow
from ..status import Status, is_final
from .claim import claim_due, new_claim_token, release

log = logging.getLogger(__name__)


@dataclass
class PollSummary:
    claimed: int = 0
    polled: int = 0
    new_events: int = 0
    status_changes: int = 0
    errors: int = 0
    by_outcome: dict = field(default_factory=lambda: defaultdict(int))

    def add(self, other: "PollSummary") -> None:
        """Fold another round's counts into this one."""
        for name in ("claimed", "polled", "new_events", "status_changes", "errors"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for outcome, count in other.by_outcome.items():
            self.by_outcome[outcome] += count

    def __str__(self) -> str:
        outcomes = ", ".join(f"{k}={v}" for k, v in sorted(self.by_outcome.items())) or "none"
        return (
            f"claimed={self.claimed} polled={self.polled} new_events={self.new_events} "
            f"status_changes={self.status_changes} errors={self.errors} outcomes: {outcomes}"
        )


def drain(now: datetime | None = None) -> PollSummary:
    """Poll batches until nothing is due at `now`; each shipment at most once, as `now` is fixed."""
    now = now or utcnow()
    total = PollSummary()
    while True:
        summary = poll_due(now)
        total.add(summary)
        if summary.claimed < current_app.config["POLL_BATCH_SIZE"]:
            return total


def poll_due(now: datetime | None = None, limit: int | None = None) -> PollSummary:
    """Poll every shipment due at `now` (up to `limit`), once; commit after each shipment."""
    cfg = current_app.config
    now = now or utcnow()
    token = new_claim_token()
    shipments = claim_due(token, limit or cfg["POLL_BATCH_SIZE"], cfg["POLL_CLAIM_SECONDS"], now)
    summary = PollSummary(claimed=len(shipments))
    by_carrier: dict[str, list[Shipment]] = defaultdict(list)
    for shipment in shipments:
        by_carrier[shipment.carrier].append(shipment)
    for code, group in by_carrier.items():
        try:
            adapter = get_adapter(code)
        except Exception as exc:  # e.g. settings the adapter refuses; the round goes on
            log.exception("carrier %s could not be set up", code)
            adapter = None
            problem = f"carrier {code!r} could not be set up: {type(exc).__name__}: {exc}"
        else:
            problem = f"carrier {code!r} is not installed"
        if adapter is None:
            for shipment in group:
                _fail(shipment, problem, now, summary)
            db.session.commit()
            continue
        size = max(1, adapter.batch_size)
        for start in range(0, len(group), size):
            _poll_batch(adapter, group[start:start + size], now, summary)
    return summary


def _poll_batch(adapter, batch: list[Shipment], now: datetime, summary: PollSummary) -> None:
    requests = [TrackRequest(s.tracking_number, s.created_at) for s in batch]
    try:
        results = {r.tracking_number: r for r in adapter.track(requests, now=now)}
    except Exception as exc:  # a carrier must never take the worker down
        log.exception("carrier %s failed", adapter.code)
        for shipment in batch:
            _fail(shipment, f"{type(exc).__name__}: {exc}", now, summary)
        db.session.commit()
        return
    for shipment in batch:
        result = results.get(shipment.tracking_number)
        if result is None:
            _fail(shipment, "carrier returned no result for this number", now, summary)
            db.session.commit()
            continue
        if Outcome(result.outcome).is_failure:  # throttled, auth_failed, timeout, ...
            error = f"{result.outcome}: {result.detail}" if result.detail else str(result.outcome)
            _fail(shipment, error, now, summary, str(result.outcome), result.retry_after)
            db.session.commit()
            continue
        # Each shipment is committed on its own: a result that cannot be stored (a malformed
        # payload, a value the database refuses) fails that shipment alone, not its batch-mates,
        # and does not leave them claimed until the lease runs out.
        shipment_id = shipment.id
        try:
            merged = timeline.merge(shipment, result)
            shipment.last_polled_at = now
            shipment.poll_failures = 0
            shipment.last_poll_error = None
            _expire_if_silent(shipment, now)
            release(shipment, next_poll_time(shipment, now))
            db.session.commit()
        except Exception as exc:
            log.exception("could not store %s result for shipment %s", adapter.code, shipment_id)
            db.session.rollback()
            _fail(shipment, f"result not stored: {type(exc).__name__}: {exc}", now, summary)
            db.session.commit()
            continue
        summary.polled += 1
        summary.by_outcome[result.outcome] += 1
        summary.new_events += merged.added
        summary.status_changes += merged.status_changed


def _fail(shipment: Shipment, error: str, now: datetime, summary: PollSummary,
          outcome: str = "error", retry_after: float | None = None) -> None:
    """Record a failed poll and retry later: when the carrier said, else backing off per failure."""
    summary.errors += 1
    summary.by_outcome[outcome] += 1
    shipment.poll_failures = (shipment.poll_failures or 0) + 1
    shipment.last_poll_error = error[:1000]
    shipment.last_polled_at = now
    base = current_app.config["POLL_INTERVAL_SECONDS"]
    delay = retry_after if retry_after else min(base * 2 ** (shipment.poll_failures - 1), 86400)
    release(shipment, now + timedelta(seconds=delay))


def _expire_if_silent(shipment: Shipment, now: datetime) -> None:
    """No carrier news for EXPIRE_AFTER_DAYS: the shipment is `expired` and polling stops."""
    if is_final(shipment.status, shipment.substatus):
        return
    last_news = shipment.last_event_at or shipment.created_at
    if now - last_news > timedelta(days=current_app.config["EXPIRE_AFTER_DAYS"]):
        shipment.status, shipment.substatus = Status.EXPIRED.value, None


def next_poll_time(shipment: Shipment, now: datetime) -> datetime | None:
    """When to look again: never once final, else after the configured interval."""
    if is_final(shipment.status, shipment.substatus):
        return None
    return now + timedelta(seconds=current_app.config["POLL_INTERVAL_SECONDS"])
