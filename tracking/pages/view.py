"""What the tracking page shows, computed from a shipment: headline, ETA, milestones, days."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time
from flask import current_app
from flask_babel import get_locale, gettext as _

from ..models import Shipment, TrackingEvent
from ..models.types import utcnow
from ..status import is_final
from ..timeline import MILESTONES, newest_first
from . import wording


@dataclass
class Day:
    label: str
    events: list[dict]


def _tz(shipment: Shipment) -> ZoneInfo:
    return ZoneInfo(shipment.merchant.timezone or "UTC")


def _day_and_time(instant: datetime, shipment: Shipment) -> str:
    """`Sun, Nov 22 6:44 AM` in the shopper's language and the merchant's timezone."""
    moment, locale = instant.astimezone(_tz(shipment)), get_locale()
    return f'{format_skeleton("MMMEd", moment, locale=locale)} {format_time(moment, "short", locale=locale)}'


def eta_text(shipment: Shipment) -> str | None:
    """The delivery window in the merchant's timezone, in words, or None without one."""
    earliest, latest = shipment.estimated_delivery_earliest, shipment.estimated_delivery_latest
    if not earliest or shipment.status == "delivered":
        return None
    locale, tz = get_locale(), _tz(shipment)
    start, end = earliest.astimezone(tz), (latest or earliest).astimezone(tz)
    day = format_skeleton("MMMEd", start, locale=locale)
    if start.date() == end.date():
        if end - start < timedelta(minutes=1) or end - start > timedelta(hours=20):
            return day  # an instant, or the whole day: the day says it best
        return _("%(day)s, between %(start)s and %(end)s", day=day,
                 start=format_time(start, "short", locale=locale),
                 end=format_time(end, "short", locale=locale))
    return _("between %(start)s and %(end)s", start=day,
             end=format_skeleton("MMMEd", end, locale=locale))


def delivered_text(shipment: Shipment) -> str | None:
    """When the parcel was delivered, in the merchant's timezone."""
    if shipment.status != "delivered" or not shipment.delivered_at:
        return None
    return _day_and_time(shipment.delivered_at, shipment)


def checked_text(shipment: Shipment) -> str | None:
    """When we last asked the carrier, in the merchant's timezone: how fresh the page is."""
    if not shipment.last_polled_at:
        return None
    return _day_and_time(shipment.last_polled_at, shipment)


def is_late(latest: datetime | None, status: str, substatus: str | None, now: datetime) -> bool:
    """Not delivered and past the latest promised time."""
    return bool(latest and not is_final(status, substatus) and now > latest)


def milestones(shipment: Shipment) -> list[dict]:
    """The progress steps, each done, current or ahead."""
    reached = shipment.progress or 0
    return [
        {"key": key, "label": wording.MILESTONE_LABELS[key],
         "state": "done" if i < reached else "current" if i == reached else "ahead"}
        for i, key in enumerate(MILESTONES)
    ]


def _event_view(event: TrackingEvent, locale) -> dict:
    place = ", ".join(p for p in (event.city, event.region, event.country) if p)
    return {
        "time": format_time(event.occurred_at_local, "short", locale=locale),
        "iso": event.occurred_at.isoformat(),
        "label": wording.event_label(event.status, event.substatus),
        "description": event.description,
        "place": place,
        "status": event.status,
    }


def days(shipment: Shipment) -> list[Day]:
    """Events newest first, grouped by the calendar day where each scan happened."""
    locale = get_locale()
    ordered = newest_first(shipment.events)
    grouped = groupby(ordered, key=lambda e: e.occurred_at_local.date())
    return [
        Day(label=_day_label(day, locale), events=[_event_view(e, locale) for e in events])
        for day, events in grouped
    ]


def _day_label(day: date, locale) -> str:
    return format_date(day, "full", locale=locale)


def shipment_view(shipment: Shipment) -> dict:
    """Everything the status partial needs."""
    now = utcnow()
    final = is_final(shipment.status, shipment.substatus)
    return {
        "shipment": shipment,
        "headline": wording.headline(shipment.status, shipment.substatus),
        "advice": wording.ADVICE.get(shipment.status),
        "eta": eta_text(shipment),
        "delivered": delivered_text(shipment),
        "late": is_late(shipment.estimated_delivery_latest, shipment.status, shipment.substatus, now),
        "quiet": shipment.stalled,
        "milestones": milestones(shipment),
        "troubled": shipment.status in ("exception", "failed_attempt", "expired"),
        "days": days(shipment),
        "final": final,
        "refresh_seconds": None if final else current_app.config["PAGE_REFRESH_SECONDS"],
        "checked": checked_text(shipment),
    }
