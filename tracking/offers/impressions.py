"""Offer impressions: one count per variant rendered to a shopper, per merchant-local day; bots excluded."""
from datetime import datetime

from flask import Flask, current_app

from ..counters import BufferedCounter, local_day
from ..models import OfferImpressionDay
from ..useragents import is_bot


def init_app(app: Flask) -> None:
    """Give the app its impression counter (batched like page views, on the same interval)."""
    app.extensions["offer_impressions"] = BufferedCounter(
        app, OfferImpressionDay, fields=("variant_id", "day", "offer_id", "merchant_id"),
        conflict=("variant_id", "day"), column="impressions", flush_setting="PAGE_VIEW_FLUSH_SECONDS")


def record(merchant, slots: list, user_agent: str | None, now: datetime) -> int:
    """Add one impression for each slot shown; returns how many were counted."""
    if not slots or is_bot(user_agent):
        return 0
    counter = current_app.extensions["offer_impressions"]
    day = local_day(now, merchant.timezone)
    for slot in slots:
        counter.add((slot.variant_id, day, slot.offer_id, merchant.id))
    return len(slots)
