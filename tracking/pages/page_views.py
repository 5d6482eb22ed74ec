"""Count shoppers' tracking page views per shipment and merchant-local day, in batches."""
from datetime import date, datetime

from flask import Flask, current_app
from sqlalchemy import func

from ..counters import BufferedCounter, local_day
from ..extensions import db
from ..models import PageViewDay
from ..useragents import is_shopper_request


def init_app(app: Flask) -> None:
    """Give the app its page-view counter."""
    app.extensions["page_views"] = BufferedCounter(
        app, PageViewDay, fields=("merchant_id", "shipment_id", "day"), conflict=("shipment_id", "day"),
        column="views", flush_setting="PAGE_VIEW_FLUSH_SECONDS")


def record_view(merchant_id: int, shipment_id: int, timezone: str | None, now: datetime) -> None:
    """Count a shopper's view of a shipment's page on the merchant's local day; bots and signed-in
    staff are not shoppers."""
    if not is_shopper_request():
        return
    current_app.extensions["page_views"].add((merchant_id, shipment_id, local_day(now, timezone)))


def views_by_day(merchant_id: int, first: date, last: date) -> dict[date, tuple[int, int]]:
    """{local day: (views, shipments viewed)} of a merchant's pages between two days, included."""
    rows = db.session.execute(
        db.select(PageViewDay.day, func.sum(PageViewDay.views), func.count())
        .where(PageViewDay.merchant_id == merchant_id, PageViewDay.day.between(first, last))
        .group_by(PageViewDay.day))
    return {day: (int(views), viewed) for day, views, viewed in rows}
