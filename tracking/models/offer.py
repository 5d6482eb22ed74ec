"""Offer slots on the tracking page: offers, their A/B variants, impressions, clicks, attributions."""
from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

KINDS = ("banner", "discount_code", "recommendations", "review_request", "replenishment", "loyalty")
PLACEMENTS = ("under_status", "beside_timeline", "after_delivery")


class Offer(db.Model):
    """One slot a merchant places on its tracking pages: what it is, where, when and for whom."""

    __tablename__ = "offers"
    __table_args__ = (Index("ix_offers_merchant_enabled", "merchant_id", "enabled"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # the merchant's own label, never shown to shoppers
    kind: Mapped[str] = mapped_column(String(20))  # one of KINDS
    placement: Mapped[str] = mapped_column(String(20), default="under_status",
                                           server_default="under_status")  # one of PLACEMENTS
    priority: Mapped[int] = mapped_column(default=0, server_default=text("0"))  # higher wins a placement
    starts_at = mapped_column(UTCDateTime)  # None: from now on
    ends_at = mapped_column(UTCDateTime)  # None: no end
    enabled: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    # Targeting rules, validated by tracking.offers.rules.validate_rules: {"status": [...], ...}.
    rules: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    variants: Mapped[list["OfferVariant"]] = relationship(
        back_populates="offer", cascade="all, delete-orphan", order_by="OfferVariant.id")


class OfferVariant(db.Model):
    """One version of an offer's content; shoppers are split between variants by weight."""

    __tablename__ = "offer_variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    weight: Mapped[int] = mapped_column(default=1, server_default=text("1"))  # 0: paused
    # Per-locale text: {"en": {"headline": ..., "body": ..., "cta": ...}, "fr": {...}}.
    content: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    image_url: Mapped[str | None] = mapped_column(String(500))
    link_url: Mapped[str | None] = mapped_column(String(500))
    discount_code: Mapped[str | None] = mapped_column(String(64))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    offer: Mapped[Offer] = relationship(back_populates="variants")


class OfferImpressionDay(db.Model):
    """How many times (bots excluded) a variant was rendered on tracking pages on one UTC day.

    A counter per variant and day rather than a row per view: the report needs only totals.
    """

    __tablename__ = "offer_impression_days"

    variant_id: Mapped[int] = mapped_column(ForeignKey("offer_variants.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    impressions: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class OfferClick(db.Model):
    """One shopper's click on an offer link (through the signed /t/<token>/o/<signed> redirect)."""

    __tablename__ = "offer_clicks"
    __table_args__ = (
        Index("ix_offer_clicks_customer", "merchant_id", "customer_key", "clicked_at"),
        Index("ix_offer_clicks_dedupe", "shipment_id", "variant_id", "clicked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("offer_variants.id"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"))
    # SHA-256 of the normalised customer email (no copy of the address itself); None without one.
    customer_key: Mapped[str | None] = mapped_column(String(64))
    target_url: Mapped[str] = mapped_column(String(500))
    clicked_at = mapped_column(UTCDateTime, default=utcnow)


class OfferAttribution(db.Model):
    """An order credited to the shopper's last offer click within the attribution window."""

    __tablename__ = "offer_attributions"
    __table_args__ = (UniqueConstraint("order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    click_id: Mapped[int] = mapped_column(ForeignKey("offer_clicks.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("offer_variants.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    revenue: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # sum of its line items
    currency: Mapped[str | None] = mapped_column(String(3))
    attributed_at = mapped_column(UTCDateTime, default=utcnow)

    order = relationship("Order")
