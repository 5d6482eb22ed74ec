"""Console overview: shipments by status, those needing attention, registrations and page views per day."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import Merchant, Shipment
from ..models.types import utcnow
from ..pages.page_views import views_by_day
from ..status import STATUSES
from .access import scoped

STATUS_NAMES = {
    "pending": _l("Pending"), "info_received": _l("Info received"), "in_transit": _l("In transit"),
    "out_for_delivery": _l("Out for delivery"), "available_for_pickup": _l("Ready for pickup"),
    "failed_attempt": _l("Delivery attempted"), "delivered": _l("Delivered"),
    "exception": _l("Exception"), "expired": _l("Expired"),
}
ATTENTION_STATUSES = ("exception", "failed_attempt")
ATTENTION_LIMIT = 20
DAYS = 7


@dataclass(frozen=True)
class Overview:
    counts: list[tuple[str, int]]  # (status, count) in the taxonomy's order, zeros included
    total: int
    attention: list[Shipment]  # oldest news first
    per_day: list[tuple[date, int]]  # the last DAYS days in the merchant's timezone, oldest first
    views: list[tuple[date, int, int]]  # (day, page views, shipments viewed), same days
    views_total: int


def merchant_zone(merchant: Merchant) -> ZoneInfo:
    """The merchant's timezone (UTC when its name is unknown)."""
    try:
        return ZoneInfo(merchant.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def status_counts() -> list[tuple[str, int]]:
    """How many of the merchant's shipments are in each canonical status."""
    rows = dict(db.session.execute(scoped(
        select(Shipment.status, func.count()).group_by(Shipment.status), Shipment)).all())
    return [(status, rows.get(status, 0)) for status in STATUSES]


def needing_attention(limit: int = ATTENTION_LIMIT) -> list[Shipment]:
    """Exceptions, failed attempts and stalled shipments, the longest without news first."""
    since = func.coalesce(Shipment.last_event_at, Shipment.created_at)
    stmt = select(Shipment).where(or_(Shipment.status.in_(ATTENTION_STATUSES),
                                      Shipment.stalled.is_(True)))
    return db.session.scalars(scoped(stmt.order_by(since, Shipment.id).limit(limit))).all()


def registered_per_day(zone: ZoneInfo, now: datetime, days: int = DAYS) -> list[tuple[date, int]]:
    """Shipments registered on each of the last `days` local days (today included)."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time(), zone)
    created = db.session.scalars(scoped(
        select(Shipment.created_at).where(Shipment.created_at >= start), Shipment))
    counts = {first + timedelta(days=n): 0 for n in range(days)}
    for instant in created:
        local_day = instant.astimezone(zone).date()
        if local_day in counts:
            counts[local_day] += 1
    return list(counts.items())


def page_views_per_day(merchant: Merchant, days: list[date]) -> list[tuple[date, int, int]]:
    """Shoppers' page views and distinct shipments viewed on each of `days` (local days)."""
    counted = views_by_day(merchant.id, days[0], days[-1])
    return [(day, *counted.get(day, (0, 0))) for day in days]


def overview(merchant: Merchant, now: datetime | None = None) -> Overview:
    """Everything the overview page shows, for the signed-in user's merchant."""
    counts = status_counts()
    per_day = registered_per_day(merchant_zone(merchant), now or utcnow())
    views = page_views_per_day(merchant, [day for day, _ in per_day])
    return Overview(counts=counts, total=sum(n for _, n in counts), attention=needing_attention(),
                    per_day=per_day, views=views, views_total=sum(v for _, v, _ in views))
