"""Support's paper trail: who changed what on a shipment (AuditEntry), and agents' notes on it."""
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """One action of a console user: `changes` maps each field to [old, new] (JSON-safe values).

    Written in the same transaction as the change it describes, so neither is kept without the
    other. `shipment_id` is None for actions on the merchant itself.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_merchant", "merchant_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    shipment_id: Mapped[int | None] = mapped_column(
        ForeignKey("shipments.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    reason: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)

    user = relationship("User")
    shipment = relationship("Shipment")


class ShipmentNote(db.Model):
    """An internal note an agent left on a shipment; never shown to shoppers."""

    __tablename__ = "shipment_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    shipment_id: Mapped[int] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
