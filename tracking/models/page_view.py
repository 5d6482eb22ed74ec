"""Tracking page views: one counter per shipment and day (the merchant's local day)."""
from datetime import date

from sqlalchemy import Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class PageViewDay(db.Model):
    """How many times shoppers (not bots) opened one shipment's page on one local day.

    A counter rather than a row per view: the overview needs views per day and per shipment,
    and a busy page would otherwise write a row per request.
    """

    __tablename__ = "page_view_days"
    __table_args__ = (Index("ix_page_view_days_merchant_day", "merchant_id", "day"),)

    shipment_id: Mapped[int] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    views: Mapped[int] = mapped_column(default=0, server_default="0")
