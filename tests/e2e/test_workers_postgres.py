"""Several worker processes on one PostgreSQL database, polling a local FedEx look-alike over HTTP.

2,000 due shipments and four `flask worker` processes: every shipment is polled exactly once
(the carrier is asked about each number once, one poll record each). Then a worker is killed
with SIGKILL in the middle of its requests: its claims are taken over when their lease runs
out, no shipment is lost, and only the numbers it had in flight are asked about twice.

PostgreSQL only (SKIP LOCKED claims across processes; SQLite has one writer and is covered
in-process): skipped when it is not configured, failed when REQUIRE_POSTGRES=1.
"""
import json
import os
import secrets
import signal
import sys
import time
import uuid
from collections import Counter, defaultdict

import pytest
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from fake_carrier_server import FakeCarrierServer
from processes import Process, app_env, carrier_settings, dump_logs, flask_cli
from tracking.db import normalise_url
from tracking.models import Merchant, Order, PollRecord, Shipment, TrackingEvent
from tracking.models.shipment import new_public_token
from tracking.models.types import utcnow

pytestmark = pytest.mark.e2e

FEDEX_BATCH = 30  # tracking.carriers.fedex.FedEx.batch_size
THREADS = 4


@pytest.fixture
def database(postgres_url):
    """A new, migrated PostgreSQL database of this test's own (dropped after)."""
    shared = make_url(postgres_url)
    name = f"tracking_workers_{uuid.uuid4().hex[:8]}"
    admin = create_engine(shared, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = shared.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(normalise_url(url))
    try:
        flask_cli(app_env(SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="migrations"), "db", "upgrade")
        yield url, engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def register_due(engine, count: int) -> list[str]:
    """A merchant, an order and `count` FedEx shipments due now, inserted in bulk; their numbers."""
    now = utcnow()
    numbers = [str(700_000_000_000_000 + i) for i in range(count)]  # 15 digits: FedEx Ground
    with engine.begin() as conn:
        merchant_id = conn.execute(insert(Merchant.__table__).values(
            slug="bulk", name="Bulk", timezone="America/New_York", created_at=now)
            .returning(Merchant.__table__.c.id)).scalar_one()
        order_id = conn.execute(insert(Order.__table__).values(
            merchant_id=merchant_id, number="BULK-1", created_at=now)
            .returning(Order.__table__.c.id)).scalar_one()
        conn.execute(insert(Shipment.__table__), [{
            "merchant_id": merchant_id, "order_id": order_id, "carrier": "fedex",
            "tracking_number": number, "public_token": new_public_token(), "status": "pending",
            "progress": 0, "poll_failures": 0, "final_checks": 0, "stalled": False,
            "next_poll_at": now, "created_at": now, "updated_at": now,
        } for number in numbers])
    return numbers


def start_workers(url, server, tmp_path, count, **settings) -> list[Process]:
    """`count` worker processes, each with its own FedEx client id (w0, w1...): the fake carrier
    names the worker behind every call by the token it handed that id."""
    workers = []
    for i in range(count):
        env = app_env(
            SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=secrets.token_hex(16),
            WORKER_INTERVAL_SECONDS=1, POLL_THREADS=THREADS,
            CARRIER_RATE_LIMITS=json.dumps({"fedex": {"per_second": 1000}}),
            **carrier_settings({"fedex": {"client_id": f"w{i}", "client_secret": "secret",
                                          "base_url": server.url}}),
            **settings,
        )
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
        workers.append(Process(f"worker w{i}", command, env, tmp_path / f"worker{i}.log"))
    return workers


def wait_all_polled(engine, workers, timeout: float) -> float:
    """Until no shipment is left unpolled (seconds it took); fails if a live worker died."""
    started = time.monotonic()
    query = select(func.count()).select_from(Shipment).where(Shipment.last_polled_at.is_(None))
    while True:
        with engine.connect() as conn:
            left = conn.execute(query).scalar_one()
        if left == 0:
            return time.monotonic() - started
        for worker in workers:
            assert worker.alive() or getattr(worker, "killed", False), \
                f"{worker.name} died:\n{worker.log()}"
        assert time.monotonic() - started < timeout, f"{left} shipments still unpolled"
        time.sleep(0.25)


def records_per_shipment(engine) -> Counter:
    with engine.connect() as conn:
        return Counter(dict(conn.execute(select(PollRecord.shipment_id, func.count())
                                         .group_by(PollRecord.shipment_id)).all()))


@pytest.fixture
def stack(request, database, tmp_path):
    """The database, a fake FedEx, and whatever workers the test starts (stopped after)."""
    url, engine = database
    processes: list[Process] = []
    server = FakeCarrierServer().start()
    try:
        yield url, engine, server, processes
    finally:
        for process in processes:
            process.stop()
        server.stop()
        if any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
               for when in ("setup", "call")):
            dump_logs(processes)


def test_four_workers_poll_every_shipment_exactly_once(stack, tmp_path):
    url, engine, server, processes = stack
    numbers = register_due(engine, 2000)
    processes.extend(start_workers(url, server, tmp_path, 4))
    took = wait_all_polled(engine, processes, timeout=90)
    for process in processes:
        process.stop()

    calls = server.calls()
    asked = Counter(call["number"] for call in calls)
    by_worker = Counter(call["client"] for call in calls)
    print(f"\n2000 shipments polled in {took:.1f}s; numbers per worker: {dict(by_worker)}")
    assert set(asked) == set(numbers)
    assert {n: c for n, c in asked.items() if c != 1} == {}, "a number was asked about twice"
    requests_made = len({call["request"] for call in calls})
    assert requests_made <= len(numbers) // FEDEX_BATCH + 4 * 10  # batched, not one by one

    per_shipment = records_per_shipment(engine)
    assert len(per_shipment) == len(numbers) and set(per_shipment.values()) == {1}
    with engine.connect() as conn:
        states = Counter(conn.execute(select(Shipment.status, Shipment.claimed_by)).all())
        events = conn.execute(select(func.count()).select_from(TrackingEvent)).scalar_one()
    assert states == {("in_transit", None): len(numbers)}
    assert events == 2 * len(numbers)  # the fake's two scans, each stored once
    for process in processes:
        assert "Traceback" not in process.log(), process.log()


def test_a_killed_workers_claims_are_taken_over_and_nothing_is_lost(stack, tmp_path):
    url, engine, server, processes = stack
    lease = 5
    server.delay = 0.5  # a slow carrier: requests are in flight long enough to die in them
    numbers = register_due(engine, 600)
    processes.extend(start_workers(url, server, tmp_path, 2, POLL_CLAIM_SECONDS=lease))

    # SIGKILL the first worker the carrier hears from, while its first requests are in flight
    deadline = time.monotonic() + 30
    while not server.calls():
        assert time.monotonic() < deadline, "no worker called the carrier"
        assert all(p.alive() for p in processes), [p.log() for p in processes]
        time.sleep(0.02)
    time.sleep(0.2)  # let its other threads send theirs too; none is answered before 0.5 s
    victim_id = server.calls()[0]["client"]
    victim = processes[int(victim_id[1:])]
    os.killpg(victim.popen.pid, signal.SIGKILL)
    victim.popen.wait(10)
    victim.killed = True
    killed_at = time.time()
    with engine.connect() as conn:  # what was stored when it died: never to be asked again
        stored_at_kill = set(conn.execute(
            select(Shipment.tracking_number).where(Shipment.last_polled_at.is_not(None))).scalars())

    took = wait_all_polled(engine, processes, timeout=45)
    for process in processes:
        process.stop()

    calls = server.calls()
    asked = Counter(call["number"] for call in calls)
    first_ask = {}
    for call in calls:
        first_ask.setdefault(call["number"], call)
    victim_sent = {c["number"] for c in calls if c["client"] == victim_id}
    in_flight = {c["request"] for c in calls if c["client"] == victim_id and c["at"] <= killed_at}
    twice = {n for n, c in asked.items() if c > 1}
    print(f"\nkilled {victim_id} with {len(in_flight)} requests in flight; all polled "
          f"{took:.1f}s later; asked twice: {len(twice)}")

    # nothing lost
    assert set(asked) == set(numbers)
    per_shipment = records_per_shipment(engine)
    assert len(per_shipment) == len(numbers) and set(per_shipment.values()) == {1}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Shipment)
                            .where(Shipment.claimed_by.is_not(None))).scalar_one() == 0
    # asked twice: only what the dead worker had sent, at most its requests in flight
    assert max(asked.values()) <= 2
    assert twice == victim_sent - stored_at_kill
    assert len(twice) <= THREADS * FEDEX_BATCH
    assert not twice & stored_at_kill, "a poll that was stored was redone"
    # ...and asked again by the survivor, only once the dead worker's lease had run out
    again = defaultdict(list)
    for call in calls:
        if call["number"] in twice and call is not first_ask[call["number"]]:
            again[call["number"]].append(call)
    for number in twice:
        [second] = again[number]
        assert second["client"] != victim_id
        assert second["at"] - first_ask[number]["at"] >= lease - 1, (number, second)
    survivor = next(p for p in processes if p is not victim)
    assert "Traceback" not in survivor.log(), survivor.log()
