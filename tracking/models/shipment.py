"""Shipments (parcels) and the tracking events merged into them."""
import secrets

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..zones import zone_for
from .types import UTCDateTime, utcnow


def new_public_token() -> str:
    """128 random bits in 22 URL-safe characters: unguessable, short enough for SMS."""
    return secrets.token_urlsafe(16)


class Shipment(db.Model):
    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("merchant_id", "carrier", "tracking_number"),
        Index("ix_shipments_due", "next_poll_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(64), index=True)
    public_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_token)
    status: Mapped[str] = mapped_column(String(32), default="pending")
    substatus: Mapped[str | None] = mapped_column(String(40))
    # Furthest milestone ever reached (see timeline.MILESTONES); never decreases.
    progress: Mapped[int] = mapped_column(default=0)
    estimated_delivery_earliest = mapped_column(UTCDateTime)
    estimated_delivery_latest = mapped_column(UTCDateTime)
    delivered_at = mapped_column(UTCDateTime)
    signed_by: Mapped[str | None] = mapped_column(String(200))
    service: Mapped[str | None] = mapped_column(String(200))
    destination_city: Mapped[str | None] = mapped_column(String(100))
    destination_region: Mapped[str | None] = mapped_column(String(100))
    destination_postal_code: Mapped[str | None] = mapped_column(String(20))
    destination_country: Mapped[str | None] = mapped_column(String(2))
    locale: Mapped[str | None] = mapped_column(String(10))
    last_event_at = mapped_column(UTCDateTime)
    # Polling: when the worker should look next, who holds the claim and until when.
    next_poll_at = mapped_column(UTCDateTime, default=utcnow)
    last_polled_at = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claim_expires_at = mapped_column(UTCDateTime)
    poll_failures: Mapped[int] = mapped_column(default=0)
    # Late checks made after reaching a final state (the policy allows one).
    final_checks: Mapped[int] = mapped_column(default=0)
    # No carrier scan for longer than is normal for the carrier and status (polling.stall).
    stalled: Mapped[bool] = mapped_column(default=False)
    last_poll_error: Mapped[str | None] = mapped_column(Text)
    # A support agent's override (tracking.support): status and/or ETA, written into status and
    # estimated_delivery_* while it stands; a carrier scan newer than override_at ends it
    # (timeline.merge). Who, why and the values replaced are in the audit log as well.
    override_status: Mapped[str | None] = mapped_column(String(32))
    override_substatus: Mapped[str | None] = mapped_column(String(40))
    override_eta_earliest = mapped_column(UTCDateTime)
    override_eta_latest = mapped_column(UTCDateTime)
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_at = mapped_column(UTCDateTime)
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    merchant = relationship("Merchant")
    order = relationship("Order", back_populates="shipments")
    events: Mapped[list["TrackingEvent"]] = relationship(
        back_populates="shipment",
        cascade="all, delete-orphan",
        order_by="(TrackingEvent.occurred_at.desc(), TrackingEvent.id.desc())",
    )

    @property
    def local_zone(self) -> str:
        """The IANA zone the parcel's days are counted in: the destination's, when its country (and
        region) tell one; else the merchant's; else UTC."""
        merchant_zone = self.merchant.timezone if self.merchant else None
        return (zone_for(self.destination_country, self.destination_region, self.destination_postal_code)
                or merchant_zone or "UTC")


class TrackingEvent(db.Model):
    __tablename__ = "tracking_events"
    __table_args__ = (UniqueConstraint("shipment_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    # Hash of what identifies a scan, so a repeated poll stores it once.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # The carrier's wall-clock time at the scan, and its UTC offset in minutes when the carrier gave one.
    occurred_at_local = mapped_column(db.DateTime)
    utc_offset_minutes: Mapped[int | None] = mapped_column()
    # The real instant, for ordering. Without an offset, estimated in the zone of the scan's place,
    # else Shipment.local_zone.
    occurred_at = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(32))
    substatus: Mapped[str | None] = mapped_column(String(40))
    carrier_status_code: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    source: Mapped[str] = mapped_column(String(20), default="poll")
    received_at = mapped_column(UTCDateTime, default=utcnow)

    shipment: Mapped[Shipment] = relationship(back_populates="events")
