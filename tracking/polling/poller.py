"""One polling round: claim due shipments, ask their carriers in batches, merge what comes back."""
import json
import logging
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app

from .. import timeline
from ..carriers import TrackRequest, get_adapter
from ..carriers.base import Outcome, TrackResult
from ..extensions import db
from ..models import CarrierAccount, PollRecord, Shipment
from ..models.types import utcnow
from ..status import is_final
from . import circuit, metrics, quota
from .policy import Budget
from .claim import claim_due, lock_all_still_ours, lock_if_still_ours, new_claim_token
from .schedule import after_failure, after_success, defer

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


@dataclass(frozen=True)
class Job:
    """One carrier request's worth of claimed shipments, as plain data a thread can carry."""

    carrier: str
    account: str
    shipment_ids: tuple[int, ...]
    requests: tuple[TrackRequest, ...]
    budgets: tuple[Budget, ...]  # each shipment's polls under the carrier's cap per day

    @property
    def circuit_key(self) -> str:
        return f"{self.carrier}:{self.account}" if self.account else self.carrier


def drain(now: datetime | None = None, stopping: threading.Event | None = None) -> PollSummary:
    """Poll batches until nothing is due at `now`; each shipment at most once, as `now` is fixed.

    Returns early, between batches, once `stopping` is set (the worker is shutting down).
    """
    now = now or utcnow()
    total = PollSummary()
    while not (stopping and stopping.is_set()):
        summary = poll_due(now)
        total.add(summary)
        if summary.claimed < current_app.config["POLL_BATCH_SIZE"]:
            break
    return total


def poll_due(now: datetime | None = None, limit: int | None = None) -> PollSummary:
    """Claim what is due at `now` (up to `limit`), poll it in carrier batches on a thread pool."""
    cfg = current_app.config
    now = now or utcnow()
    token = new_claim_token()
    claimed = claim_due(token, limit or cfg["POLL_BATCH_SIZE"], cfg["POLL_CLAIM_SECONDS"], now)
    summary = PollSummary(claimed=len(claimed))
    jobs = plan_jobs(claimed, now, summary)
    db.session.commit()  # no transaction stays open while carriers answer
    app = current_app._get_current_object()
    threads = min(cfg["POLL_THREADS"], len(jobs))
    if threads <= 1:
        results = [run_job(job, token, now) for job in jobs]
    else:
        with ThreadPoolExecutor(threads, thread_name_prefix="poll") as pool:
            results = list(pool.map(lambda job: _in_context(app, job, token, now), jobs))
    for part in results:
        summary.add(part)
    return summary


def plan_jobs(claimed: list[Shipment], now: datetime, summary: PollSummary) -> list[Job]:
    """Group claimed shipments by carrier account into batches of the adapter's size."""
    accounts = _accounts_of(claimed)
    groups: dict[tuple[str, str], list[Shipment]] = defaultdict(list)
    for shipment in claimed:
        account = accounts.get((shipment.merchant_id, shipment.carrier))
        groups[(shipment.carrier, str(account.id) if account else "")].append(shipment)
    by_id = {str(a.id): a for a in accounts.values()}
    jobs = []
    for (code, account), group in groups.items():
        try:
            adapter = _adapter(code, by_id.get(account))
            problem = None if adapter else f"carrier {code!r} is not installed"
        except Exception as exc:  # e.g. settings the adapter refuses; the round goes on
            log.exception("carrier %s could not be set up", code)
            adapter, problem = None, f"carrier {code!r} could not be set up: {exc}"
        if adapter is None:
            for shipment in group:
                _fail(shipment, Outcome.NOT_CONFIGURED, problem, None, now, summary)
            continue
        budgets = quota.budgets((s.id for s in group), quota.max_polls_per_day(adapter), now)
        group = [s for s in group if _within_cap(s, budgets[s.id], now, summary)]
        size = max(1, adapter.batch_size)
        for start in range(0, len(group), size):
            batch = group[start:start + size]
            jobs.append(Job(code, account, tuple(s.id for s in batch),
                            tuple(TrackRequest(s.tracking_number, s.created_at) for s in batch),
                            tuple(budgets[s.id] for s in batch)))
    return jobs


def _within_cap(shipment: Shipment, budget: Budget, now: datetime, summary: PollSummary) -> bool:
    """Whether one more poll keeps the carrier's cap per day; if not, hand the shipment back.

    The schedule already keeps to the cap; this catches an agent's re-poll now.
    """
    frees_at = budget.frees_at(now)
    if frees_at > now:
        defer(shipment, frees_at)
        summary.by_outcome["rate_limited"] += 1
    return frees_at <= now


def _accounts_of(claimed: list[Shipment]) -> dict[tuple[int, str], CarrierAccount]:
    """The merchants' own carrier accounts that the claimed shipments use, by (merchant, carrier)."""
    pairs = {(s.merchant_id, s.carrier) for s in claimed}
    if not pairs:
        return {}
    rows = db.session.scalars(db.select(CarrierAccount).where(
        CarrierAccount.merchant_id.in_({m for m, _ in pairs}),
        CarrierAccount.carrier.in_({c for _, c in pairs}))).all()
    return {(a.merchant_id, a.carrier): a for a in rows if (a.merchant_id, a.carrier) in pairs}


def _adapter(code: str, account: CarrierAccount | None):
    """The adapter for a merchant's own account, or the instance's when `account` is None."""
    return get_adapter(code) if account is None else get_adapter(code, account=account)


def _job_adapter(job: Job):
    """The adapter of the job's account (an account deleted since planning: the instance's)."""
    account = db.session.get(CarrierAccount, int(job.account)) if job.account else None
    return _adapter(job.carrier, account)


def _in_context(app: Flask, job: Job, token: str, now: datetime) -> PollSummary:
    with app.app_context():
        return run_job(job, token, now)


def run_job(job: Job, token: str, now: datetime) -> PollSummary:
    """Ask the carrier about one batch (unless its circuit is open or its quota spent), store it."""
    summary = PollSummary()
    adapter = _job_adapter(job)
    wait_until = circuit.open_until(job.circuit_key, now) or quota.acquire(adapter, job.circuit_key)
    if wait_until is not None:
        reason = "circuit_open" if circuit.open_until(job.circuit_key, now) else "rate_limited"
        _defer_all(job, token, wait_until, reason, summary)
        return summary
    db.session.commit()  # no transaction (nor pooled connection) held while the carrier answers
    try:
        results = adapter.track(list(job.requests), now=now)
    except Exception as exc:  # a carrier adapter must never take the worker down
        log.exception("carrier %s raised", job.carrier)
        results = [TrackResult(r.tracking_number, Outcome.BAD_RESPONSE,
                               detail=f"{type(exc).__name__}: {exc}") for r in job.requests]
    metrics.observe_requests(job.carrier, results)
    by_number = {r.tracking_number: r for r in results}
    pairs = []
    for shipment_id, request in zip(job.shipment_ids, job.requests):
        result = by_number.get(request.tracking_number) or TrackResult(
            request.tracking_number, Outcome.BAD_RESPONSE, detail="no result for this number")
        metrics.observe(job.carrier, result)
        pairs.append((shipment_id, result))
    _store_job(job, pairs, token, now, summary)
    outcomes = [result.outcome for _, result in pairs]
    if not all(o == Outcome.THROTTLED for o in outcomes):  # a 429 says nothing of health
        failed = circuit.batch_failed(outcomes)
        circuit.record(job.circuit_key, failed, results[0].detail if failed and results else None,
                       now)
    return summary


def _store_job(job: Job, pairs: list, token: str, now: datetime, summary: PollSummary) -> None:
    """Store a whole batch in one transaction (one lock query, events loaded together).

    If any result cannot be stored, the batch is rolled back and stored one shipment at a
    time, so that result fails alone and nothing is ever half-merged.
    """
    part = PollSummary()  # counted only once the commit went through
    try:
        held = {s.id: s for s in lock_all_still_ours(job.shipment_ids, token)}
        for (shipment_id, result), budget in zip(pairs, job.budgets):
            if shipment_id in held:
                _apply(held[shipment_id], result, now, part, budget)
            else:
                log.warning("claim on shipment %s was taken over; result dropped", shipment_id)
        db.session.commit()
        summary.add(part)
    except Exception:
        log.exception("could not store a %s batch at once; storing one by one", job.carrier)
        db.session.rollback()
        for (shipment_id, result), budget in zip(pairs, job.budgets):
            _store(shipment_id, job.carrier, result, token, now, summary, budget)


def _store(shipment_id: int, carrier: str, result: TrackResult, token: str, now: datetime,
           summary: PollSummary, budget: Budget) -> None:
    """Merge one result (or record its failure) and reschedule, in its own transaction."""
    part = PollSummary()
    try:
        shipment = lock_if_still_ours(shipment_id, token)
        if shipment is None:
            log.warning("claim on shipment %s was taken over; result dropped", shipment_id)
            db.session.rollback()
            return
        _apply(shipment, result, now, part, budget)
        db.session.commit()
        summary.add(part)
    except Exception as exc:
        log.exception("could not store the %s result for shipment %s", carrier, shipment_id)
        db.session.rollback()
        shipment = lock_if_still_ours(shipment_id, token)
        if shipment is not None:
            _fail(shipment, Outcome.BAD_RESPONSE, f"result not stored: {exc}", None, now, summary,
                  budget)
            db.session.commit()


def _apply(shipment: Shipment, result: TrackResult, now: datetime, part: PollSummary,
           budget: Budget) -> None:
    """Merge a result into a locked shipment, or count its failure; reschedule it. No commit."""
    if Outcome(result.outcome).is_failure:
        _fail(shipment, result.outcome, result.detail, result.retry_after, now, part, budget)
        _record(shipment, result, 0, now)
        return
    was_final = is_final(shipment.status, shipment.substatus)
    merged = timeline.merge(shipment, result)
    after_success(shipment, now, was_final, budget)
    _record(shipment, result, merged.added, now)
    part.polled += 1
    part.by_outcome[str(result.outcome)] += 1
    part.new_events += merged.added
    part.status_changes += merged.status_changed


def _fail(shipment: Shipment, outcome: str, detail: str | None, retry_after: float | None,
          now: datetime, summary: PollSummary, budget: Budget = Budget()) -> None:
    """Count a failed poll on the shipment and reschedule it (the caller commits)."""
    summary.errors += 1
    summary.by_outcome[str(outcome)] += 1
    shipment.last_poll_error = f"{outcome}: {detail}"[:1000] if detail else str(outcome)
    after_failure(shipment, now, retry_after, budget)


def _defer_all(job: Job, token: str, until: datetime, reason: str, summary: PollSummary) -> None:
    """Hand a batch back untouched, due again at `until` (not a failure of its shipments)."""
    for shipment_id in job.shipment_ids:
        shipment = lock_if_still_ours(shipment_id, token)
        if shipment is not None:
            defer(shipment, until)
            summary.by_outcome[reason] += 1
        db.session.commit()


def _record(shipment: Shipment, result: TrackResult, added: int, now: datetime) -> None:
    """Keep what the carrier said for support (pruned after POLL_RECORD_DAYS)."""
    raw = None
    if result.raw is not None:
        try:
            raw = json.dumps(result.raw, default=str)[:200_000]
        except (TypeError, ValueError):
            raw = repr(result.raw)[:200_000]
    db.session.add(PollRecord(
        shipment_id=shipment.id, carrier=shipment.carrier, outcome=str(result.outcome),
        http_status=result.http_status, duration_ms=result.duration_ms, new_events=added,
        detail=(result.detail or None) and result.detail[:2000], raw=raw, polled_at=now,
    ))


def prune_records(now: datetime | None = None) -> int:
    """Delete poll records older than POLL_RECORD_DAYS; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["POLL_RECORD_DAYS"])
    deleted = db.session.execute(db.delete(PollRecord).where(PollRecord.polled_at < cutoff))
    db.session.commit()
    return deleted.rowcount or 0

