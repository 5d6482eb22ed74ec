"""Outbound webhooks: merchants' endpoints, the messages for them, and the durable delivery queue.

Named apart from `webhook.py`, which is about INBOUND pushes from aggregators (its
`WebhookDelivery` is their dedupe table): everything here goes out, and its tables start with
`outbound_`.
"""
import base64
import secrets

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

SECRET_PREFIX = "whsec_"


def new_endpoint_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    """The `webhook-id` of a message: unique, stable across retries and replays."""
    return "msg_" + secrets.token_urlsafe(16)


class WebhookEndpoint(db.Model):
    """A URL a merchant registered to receive some of the event types (see outbound.events)."""

    __tablename__ = "outbound_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    # Comma-separated event types, e.g. "shipment.status_changed,shipment.delivered".
    events: Mapped[str] = mapped_column(String(200))
    # Stored as given, like WebhookSecret: signing needs the secret itself.
    secret: Mapped[str] = mapped_column(String(100), default=new_endpoint_secret)
    # After a rotation the old secret also signs until it expires, so receivers can switch over.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    merchant = relationship("Merchant")

    @property
    def event_types(self) -> list[str]:
        return [e for e in (self.events or "").split(",") if e]

    def subscribes(self, event_type: str) -> bool:
        """Whether this endpoint wants messages of `event_type`."""
        return event_type in self.event_types


class WebhookMessage(db.Model):
    """One event for one endpoint; its id is the `webhook-id` header and its payload the exact body."""

    __tablename__ = "outbound_messages"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=new_message_id)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_endpoints.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    shipment_id: Mapped[int | None] = mapped_column(
        ForeignKey("shipments.id", ondelete="SET NULL"), index=True)
    payload: Mapped[str] = mapped_column(Text)  # JSON text, signed and sent byte for byte
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)

    endpoint: Mapped[WebhookEndpoint] = relationship()
    deliveries: Mapped[list["OutboundDelivery"]] = relationship(
        back_populates="message", order_by="OutboundDelivery.id")


class OutboundDelivery(db.Model):
    """A chain of attempts to deliver one message: the durable queue row and the log line.

    `pending` (never tried) and `failed` (tried, retry due at `next_attempt_at`) are queued;
    `succeeded` and `dead` (retries exhausted, or refused) are final, with `next_attempt_at`
    cleared. A replay is a new chain pointing at the one it repeats.
    """

    __tablename__ = "outbound_deliveries"
    __table_args__ = (
        Index("ix_outbound_deliveries_due", "next_attempt_at"),
        Index("ix_outbound_deliveries_log", "merchant_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="CASCADE"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_endpoints.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    last_response_excerpt: Mapped[str | None] = mapped_column(Text)
    delivered_at = mapped_column(UTCDateTime)
    replay_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_deliveries.id", ondelete="SET NULL"))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claim_expires_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[WebhookMessage] = relationship(back_populates="deliveries")
    endpoint: Mapped[WebhookEndpoint] = relationship()
    attempt_log: Mapped[list["OutboundAttempt"]] = relationship(
        back_populates="delivery", order_by="OutboundAttempt.id", passive_deletes=True)


class OutboundAttempt(db.Model):
    """One HTTP try (or a refusal to try) within a delivery chain, for the detailed log."""

    __tablename__ = "outbound_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column()

    delivery: Mapped[OutboundDelivery] = relationship(back_populates="attempt_log")
