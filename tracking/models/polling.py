"""What polling leaves behind: a record of each poll, and each carrier's circuit breaker."""
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class PollRecord(db.Model):
    """One poll of one shipment: outcome, HTTP status, duration, and what the carrier said.

    Support reads it to see exactly what the carrier answered; `flask polling-status` and
    /metrics summarise it. Rows older than POLL_RECORD_DAYS are pruned by the worker.
    """

    __tablename__ = "poll_records"
    __table_args__ = (Index("ix_poll_records_polled_at", "polled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    carrier: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(32))
    http_status: Mapped[int | None] = mapped_column()
    duration_ms: Mapped[int | None] = mapped_column()
    new_events: Mapped[int] = mapped_column(default=0)
    detail: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[str | None] = mapped_column(Text)  # the carrier's JSON for this number
    polled_at = mapped_column(UTCDateTime, default=utcnow)


class CarrierCircuit(db.Model):
    """A carrier account's circuit breaker, shared by every worker through the database.

    Closed while calls succeed; after CIRCUIT_FAILURES failed batches in a row it opens
    until `open_until`, and the shipments due on that carrier wait; the first batch after
    that is a trial (half-open): success closes it, failure opens it for twice as long.
    """

    __tablename__ = "carrier_circuits"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)  # carrier[:account]
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    times_opened: Mapped[int] = mapped_column(default=0)
    open_until = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
