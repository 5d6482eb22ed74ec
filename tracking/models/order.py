"""Orders, their customer and their line items."""
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("merchant_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    placed_at = mapped_column(UTCDateTime)
    customer_email: Mapped[str | None] = mapped_column(String(254))
    customer_phone: Mapped[str | None] = mapped_column(String(40))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    merchant = relationship("Merchant")
    items: Mapped[list["LineItem"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="LineItem.id"
    )
    shipments = relationship("Shipment", back_populates="order", order_by="Shipment.id")


class LineItem(db.Model):
    __tablename__ = "line_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(default=1)
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    image_url: Mapped[str | None] = mapped_column(String(500))
    product_url: Mapped[str | None] = mapped_column(String(500))
    category: Mapped[str | None] = mapped_column(String(100))

    order: Mapped[Order] = relationship(back_populates="items")
