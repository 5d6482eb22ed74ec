"""A merchant's product catalogue and the precomputed recommendations read by the tracking page."""
from decimal import Decimal

from sqlalchemy import JSON, Float, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("merchant_id", "sku"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))  # joins LineItem.sku within the merchant
    title: Mapped[str] = mapped_column(String(300))
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))  # ISO 4217, upper case
    image_url: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(500))
    category: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    in_stock: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    # Consumables: remind the shopper to buy again this many days after delivery; None: not one.
    replenish_after_days: Mapped[int | None] = mapped_column()
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProductRecommendation(db.Model):
    __tablename__ = "product_recommendations"
    __table_args__ = (Index("ix_product_recommendations_lookup", "merchant_id", "sku", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    recommended_sku: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column()  # 1 is the best
    source: Mapped[str] = mapped_column(String(20))  # "bought_together" | "category" | "best_seller"


class RecommendationRun(db.Model):
    """One precompute of a merchant's recommendations: when, and how much it read and wrote."""

    __tablename__ = "recommendation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    finished_at = mapped_column(UTCDateTime, default=utcnow, index=True)
    orders: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    products: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    rows: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    duration_ms: Mapped[int] = mapped_column(default=0, server_default=text("0"))
