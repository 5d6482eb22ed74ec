"""Stall detection: no scan for longer than is normal for this carrier and status."""
from datetime import datetime, timedelta

from flask import current_app

from ..status import is_final


def stall_hours(carrier: str, status: str) -> float | None:
    """Hours of silence after which a shipment in `status` counts as stalled, or None (never)."""
    table = current_app.config["STALL_AFTER_HOURS"]
    per_carrier = table.get(carrier, {})
    if isinstance(per_carrier, dict) and status in per_carrier:
        return per_carrier[status]
    value = table.get(status)
    return value if isinstance(value, (int, float)) else None


def is_stalled(carrier: str, status: str, substatus: str | None, last_news: datetime,
               now: datetime) -> bool:
    """In motion (not pending, not final) and silent for longer than normal."""
    if status == "pending" or is_final(status, substatus):
        return False
    hours = stall_hours(carrier, status)
    return hours is not None and now - last_news > timedelta(hours=hours)
