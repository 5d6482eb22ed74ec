"""How polling is doing, read from the database: for /metrics and `flask polling-status`."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from ..extensions import db
from ..models import CarrierCircuit, PollRecord, Shipment
from ..models.types import utcnow


@dataclass
class Snapshot:
    now: datetime
    due: int = 0  # due and unclaimed
    in_flight: int = 0  # claimed by a live worker
    oldest_overdue_seconds: float = 0.0
    stalled: int = 0
    by_status: dict = field(default_factory=dict)
    circuits: list = field(default_factory=list)  # (key, state, failures, open_until, last_error)
    last_hour: dict = field(default_factory=dict)  # (carrier, outcome) -> polls
    latency_ms: dict = field(default_factory=dict)  # carrier -> (p50, p95) over the last hour


def snapshot(now: datetime | None = None) -> Snapshot:
    """A handful of aggregate queries; cheap enough for a scrape every 15 s."""
    now = now or utcnow()
    snap = Snapshot(now=now)
    unclaimed = (Shipment.claim_expires_at.is_(None)) | (Shipment.claim_expires_at < now)
    due_filter = (Shipment.next_poll_at <= now) & unclaimed
    snap.due, oldest = db.session.execute(
        select(func.count(), func.min(Shipment.next_poll_at)).where(due_filter)).one()
    if oldest is not None:
        snap.oldest_overdue_seconds = max(0.0, (now - _aware(oldest)).total_seconds())
    snap.in_flight = db.session.scalar(
        select(func.count()).where(Shipment.claim_expires_at >= now)) or 0
    snap.stalled = db.session.scalar(select(func.count()).where(Shipment.stalled.is_(True))) or 0
    snap.by_status = dict(db.session.execute(
        select(Shipment.status, func.count()).group_by(Shipment.status)).all())
    for circuit in db.session.scalars(select(CarrierCircuit).order_by(CarrierCircuit.key)):
        is_open = circuit.open_until is not None and circuit.open_until > now
        state = "open" if is_open else "half_open" if circuit.open_until else "closed"
        snap.circuits.append((circuit.key, state, circuit.consecutive_failures,
                              circuit.open_until, circuit.last_error))
    since = now - timedelta(hours=1)
    rows = db.session.execute(
        select(PollRecord.carrier, PollRecord.outcome, func.count())
        .where(PollRecord.polled_at >= since).group_by(PollRecord.carrier, PollRecord.outcome))
    snap.last_hour = {(carrier, outcome): n for carrier, outcome, n in rows}
    durations: dict[str, list[int]] = {}
    for carrier, ms in db.session.execute(
            select(PollRecord.carrier, PollRecord.duration_ms)
            .where(PollRecord.polled_at >= since, PollRecord.duration_ms.is_not(None))):
        durations.setdefault(carrier, []).append(ms)
    snap.latency_ms = {c: (_pct(v, 50), _pct(v, 95)) for c, v in durations.items()}
    return snap


def _pct(values: list[int], pct: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))])


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
