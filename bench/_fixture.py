"""Shared set-up for the benchmarks: a throwaway database, migrated and seeded with demo shipments.

Not a benchmark itself. The scripts beside it import it (the script's folder is on sys.path).
"""
import os
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# One scenario hour per real hour: the seeded journeys stand still for the length of a run,
# each shipment frozen mid-journey (seed() back-dates registration by scenario hours).
SECONDS_PER_HOUR = 3600
BENCH_SECRET_KEY = "bench-only-not-secret-" + "0" * 32


@dataclass
class Fixture:
    env: dict            # TRACKING_* variables a server process needs to see the same database
    database_url: str
    tmpdir: tempfile.TemporaryDirectory | None
    token: str           # the tracking page to measure
    events: int
    items: int
    status: str
    parcels: int
    shipments: int       # shipments seeded in total

    def cleanup(self) -> None:
        if self.tmpdir is not None:
            self.tmpdir.cleanup()


def bench_env(database_url: str) -> dict:
    return {
        "TRACKING_SQLALCHEMY_DATABASE_URI": database_url,
        "TRACKING_SECRET_KEY": BENCH_SECRET_KEY,
        "TRACKING_DEMO_SECONDS_PER_HOUR": str(SECONDS_PER_HOUR),
        # No polling happens during a run, but keep pages' refresh as in production.
    }


def make_app(env: dict):
    """create_app() exactly as wsgi.py does, with the benchmark's TRACKING_* variables."""
    os.environ.update(env)
    os.environ.pop("DATABASE_URL", None)  # TRACKING_SQLALCHEMY_DATABASE_URI wins anyway
    from tracking import create_app
    return create_app()


def prepare(database_url: str | None = None, count_per_scenario: int = 20, quiet: bool = False) -> tuple:
    """Create (or reuse) a database, migrate it, seed it, poll once; returns (app, Fixture).

    The page measured is the in-motion shipment whose timeline is closest to 10 events, among
    those with 2 line items (the demo orders have 2), preferring one of a multi-parcel order.
    """
    tmpdir = None
    if not database_url:
        tmpdir = tempfile.TemporaryDirectory(prefix="tracking-bench-")
        database_url = "sqlite:///" + os.path.join(tmpdir.name, "bench.sqlite3")
    env = bench_env(database_url)
    app = make_app(env)

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from tracking import demo_data
    from tracking.extensions import db
    from tracking.models import Shipment, TrackingEvent
    from tracking.polling.poller import drain
    from tracking.status import is_final

    with app.app_context():
        try:
            upgrade()  # the migrations the product ships, as `flask --app wsgi db upgrade` runs them
            how = "flask db upgrade (Alembic migrations)"
        except Exception as exc:  # keep the benchmark usable while migrations lag the models
            db.create_all()
            how = f"db.create_all() - migrations failed: {type(exc).__name__}: {exc}"
        demo_data.seed(count_per_scenario, SECONDS_PER_HOUR)
        summary = drain()
        counts = dict(db.session.execute(
            select(TrackingEvent.shipment_id, func.count()).group_by(TrackingEvent.shipment_id)
        ).all())
        candidates = []
        for s in db.session.scalars(select(Shipment)):
            n = counts.get(s.id, 0)
            if is_final(s.status, s.substatus) or n == 0:
                continue
            items = len(s.order.items)
            parcels = len(s.order.shipments)
            candidates.append((abs(n - 10), items != 2, parcels == 1, s.id, s, n, items, parcels))
        if not candidates:
            raise SystemExit("bench: seeding produced no in-motion shipment with events")
        candidates.sort(key=lambda c: c[:4])
        *_, s, n, items, parcels = candidates[0]
        fixture = Fixture(env=env, database_url=database_url, tmpdir=tmpdir, token=s.public_token,
                          events=n, items=items, status=f"{s.status}/{s.substatus or '-'}",
                          parcels=parcels, shipments=db.session.scalar(select(func.count(Shipment.id))))
        db.session.remove()
    if not quiet:
        print(f"database: {redact(database_url)} ({how})")
        print(f"seeded:   {fixture.shipments} shipments (demo_data.seed({count_per_scenario}, "
              f"{SECONDS_PER_HOUR})), poller.drain(): {summary}")
        print(f"page:     /t/{fixture.token}: {fixture.events} events, {fixture.items} line items, "
              f"status {fixture.status}, order in {fixture.parcels} parcel(s)")
    return app, fixture


def create_pg_database(admin_url: str, prefix: str) -> tuple[str, str]:
    """A fresh database on the server of `admin_url`; (its URL, its name)."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url
    name = prefix + uuid.uuid4().hex[:10]
    url = make_url(admin_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False), name


def drop_pg_database(admin_url: str, name: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url
    url = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(database_url: str) -> float:
    """`flask --app wsgi db upgrade` in a subprocess, as an operator would; seconds taken."""
    import subprocess
    import time
    env = {**os.environ, **bench_env(database_url)}
    env.pop("DATABASE_URL", None)
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=env, check=True, capture_output=True, text=True)
    return time.monotonic() - t0


def redact(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def rerun_command(script: str, argv: list[str]) -> str:
    """The exact command that reruns this benchmark with the same options."""
    rel = os.path.relpath(Path(script).resolve(), Path.cwd())
    return " ".join(shlex.quote(a) for a in [sys.executable, rel, *argv])
