"""Inbound webhooks: each merchant's secret per provider, and the deliveries already processed."""
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class WebhookSecret(db.Model):
    """The secret a provider signs a merchant's pushes with (for Shippo: the URL token or HMAC key).

    Stored as given, in plain text, because verifying an HMAC needs the secret itself (a hash
    would not do). The merchant console issue adds encryption at rest (Fernet); until then,
    protect the database like the secrets file.
    """

    __tablename__ = "webhook_secrets"
    __table_args__ = (UniqueConstraint("merchant_id", "provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    provider: Mapped[str] = mapped_column(String(20))
    secret: Mapped[str] = mapped_column(String(500))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    merchant = relationship("Merchant")


class WebhookDelivery(db.Model):
    """A push already merged, by the provider's delivery id, so a redelivery is only acknowledged.

    `delivery_id` is EasyPost's event id, AfterShip's event_id, or the SHA-256 of the raw body
    where the provider gives none (Shippo).
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("merchant_id", "provider", "delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    provider: Mapped[str] = mapped_column(String(20))
    delivery_id: Mapped[str] = mapped_column(String(64))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    events_added: Mapped[int] = mapped_column(default=0)
    received_at = mapped_column(UTCDateTime, default=utcnow)
