"""Counters kept in memory and added to the database in batches (page views, offer impressions)."""
import atexit
import logging
import threading
import time
import weakref
from collections import Counter
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .extensions import db

log = logging.getLogger("tracking.counters")


@lru_cache(maxsize=512)
def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(now: datetime, timezone: str | None) -> date:
    """The day it is at `now` in `timezone` (UTC when the name is unknown): counters are kept
    per merchant-local day, the days its reports show."""
    return now.astimezone(_zone(timezone)).date()


class BufferedCounter:
    """Adds to `model.<column>` per key, in memory, writing the sums as one upsert batch at
    most every `app.config[flush_setting]` seconds (0: at every add).

    A count costs a dictionary update, so a page that counts never waits on a write. A failed
    write is logged and its counts dropped, never raised; an orderly exit writes what is left,
    and at most the flush interval's counts are lost if the process is killed.
    """

    def __init__(self, app: Flask, model, fields: tuple[str, ...], conflict: tuple[str, ...],
                 column: str, flush_setting: str):
        self.app, self.model, self.fields, self.conflict = app, model, fields, conflict
        self.column, self.flush_setting = column, flush_setting
        self.pending: Counter = Counter()
        self.lock = threading.Lock()
        self.flushed_at = time.monotonic()
        _counters.add(self)

    def add(self, key: tuple, amount: int = 1) -> None:
        """Count `amount` for `key` (values in the order of `fields`); write when due."""
        with self.lock:
            self.pending[key] += amount
            due = time.monotonic() - self.flushed_at >= self.app.config[self.flush_setting]
        if due:
            self.flush()

    def flush(self) -> int:
        """Write the pending counts (inside an app context); returns how many rows it touched."""
        with self.lock:
            batch, self.pending = self.pending, Counter()
            self.flushed_at = time.monotonic()
        if not batch:
            return 0
        rows = [{**dict(zip(self.fields, key)), self.column: amount} for key, amount in batch.items()]
        insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(self.model)
        stmt = stmt.on_conflict_do_update(index_elements=list(self.conflict), set_={
            self.column: getattr(self.model, self.column) + getattr(stmt.excluded, self.column)})
        try:
            # Its own connection: the request's session may hold work this must not commit.
            with db.engine.begin() as connection:
                connection.execute(stmt, rows)
        except Exception:  # counting must never break a page; the counts are lost, and logged
            log.exception("could not write %d %s counters", len(rows), self.model.__tablename__)
            return 0
        return len(rows)


_counters: "weakref.WeakSet[BufferedCounter]" = weakref.WeakSet()


@atexit.register
def _write_remaining() -> None:
    """An orderly exit (gunicorn's worker restart, Ctrl-C) writes what is still counted."""
    for counter in list(_counters):
        with counter.app.app_context():
            counter.flush()
