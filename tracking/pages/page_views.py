"""Count shoppers' tracking page views, buffered in memory and written in batches."""
import atexit
import logging
import threading
import time
import weakref
from collections import Counter
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app, request
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import PageViewDay
from ..useragents import is_bot

log = logging.getLogger("tracking.page_views")


@lru_cache(maxsize=512)
def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class ViewCounter:
    """Views per (merchant, shipment, local day) since the last write; one per app.

    A view costs a dictionary update; every PAGE_VIEW_FLUSH_SECONDS the request that notices
    writes the batch as upserts. At most that many seconds of views are lost if the process is
    killed (an orderly exit writes them), a fair trade for a page that never waits on a write.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.pending: Counter = Counter()
        self.lock = threading.Lock()
        self.flushed_at = time.monotonic()

    def add(self, merchant_id: int, shipment_id: int, day: date) -> None:
        """Count one view; write the batch when it is due."""
        with self.lock:
            self.pending[(merchant_id, shipment_id, day)] += 1
            due = time.monotonic() - self.flushed_at >= self.app.config["PAGE_VIEW_FLUSH_SECONDS"]
        if due:
            self.flush()

    def flush(self) -> int:
        """Write the pending counts (inside an app context); returns how many rows it touched."""
        with self.lock:
            batch, self.pending = self.pending, Counter()
            self.flushed_at = time.monotonic()
        if not batch:
            return 0
        rows = [{"merchant_id": m, "shipment_id": s, "day": d, "views": n}
                for (m, s, d), n in batch.items()]
        insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(PageViewDay)
        stmt = stmt.on_conflict_do_update(
            index_elements=["shipment_id", "day"],
            set_={"views": PageViewDay.views + stmt.excluded.views})
        try:
            # Its own session: the request's session may hold work this must not commit.
            with db.engine.begin() as connection:
                connection.execute(stmt, rows)
        except Exception:  # counting must never break a page; the views are lost, and logged
            log.exception("could not write %d page-view counters", len(rows))
            return 0
        return len(rows)


_counters: "weakref.WeakSet[ViewCounter]" = weakref.WeakSet()


@atexit.register
def _write_remaining() -> None:
    """An orderly exit (gunicorn's worker restart, Ctrl-C) writes what is still counted."""
    for counter in list(_counters):
        with counter.app.app_context():
            counter.flush()


def init_app(app: Flask) -> None:
    """Give the app its counter (weakly remembered, so test apps are not kept alive)."""
    counter = app.extensions["page_views"] = ViewCounter(app)
    _counters.add(counter)


def record_view(merchant_id: int, shipment_id: int, timezone: str | None, now: datetime) -> None:
    """Count a shopper's view of a shipment's page on the merchant's local day; bots are ignored."""
    if request.method != "GET" or is_bot(request.user_agent.string):
        return
    day = now.astimezone(_zone(timezone)).date()
    current_app.extensions["page_views"].add(merchant_id, shipment_id, day)


def views_by_day(merchant_id: int, first: date, last: date) -> dict[date, tuple[int, int]]:
    """{local day: (views, shipments viewed)} of a merchant's pages between two days, included."""
    rows = db.session.execute(
        db.select(PageViewDay.day, func.sum(PageViewDay.views), func.count())
        .where(PageViewDay.merchant_id == merchant_id, PageViewDay.day.between(first, last))
        .group_by(PageViewDay.day))
    return {day: (int(views), viewed) for day, views, viewed in rows}
