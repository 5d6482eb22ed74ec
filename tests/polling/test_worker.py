"""The APScheduler worker: one round polls what is due; the blocking scheduler runs rounds."""
import signal
import threading
from datetime import timedelta

from apscheduler.schedulers.blocking import BlockingScheduler

from polling_helpers import policy_next, reload
from tracking.extensions import db
from tracking.models import PollRecord
from tracking.models.types import utcnow
from tracking.polling import worker


def test_poll_round_polls_due_shipments(app, merchant, make_shipment):
    due = make_shipment(merchant, number="DEMOONTIME1", order_number="O1", registered_hours_ago=1)
    later = make_shipment(merchant, number="DEMOONTIME2", order_number="O2", registered_hours_ago=1)
    later.next_poll_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    db.session.rollback()  # end this session's transaction: the round runs in its own

    worker.poll_round(app)

    d, n = reload(due), reload(later)
    assert (d.status, d.claimed_by, d.final_checks) == ("delivered", None, 0)
    assert d.last_polled_at is not None
    assert d.next_poll_at == policy_next(d, d.last_polled_at)  # the one late check
    assert db.session.query(PollRecord).filter_by(shipment_id=due.id).count() == 1
    assert (n.status, n.last_polled_at) == ("pending", None)


def test_poll_round_with_nothing_due_is_quiet(app, merchant):
    worker.poll_round(app)  # no shipments: no error


def test_run_worker_polls_on_its_clock_and_stops(app, merchant, make_shipment, monkeypatch):
    """Start the real blocking scheduler in a thread, wait for one round, shut it down."""
    monkeypatch.setitem(app.config, "WORKER_INTERVAL_SECONDS", 3600)
    shipment = make_shipment(merchant, number="DEMOPICKUP1", registered_hours_ago=1)
    db.session.rollback()

    schedulers: list[BlockingScheduler] = []
    started = threading.Event()
    round_done = threading.Event()
    real_round = worker.poll_round

    class Recorded(BlockingScheduler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            schedulers.append(self)

        def start(self, *args, **kwargs):
            started.set()
            super().start(*args, **kwargs)

    def poll_round(flask_app, stopping=None):
        try:
            real_round(flask_app, stopping)
        finally:
            round_done.set()

    monkeypatch.setattr(worker, "BlockingScheduler", Recorded)
    monkeypatch.setattr(worker, "poll_round", poll_round)
    metrics_servers = []
    monkeypatch.setattr(worker, "start_http_server",
                        lambda *args, **kwargs: metrics_servers.append((args, kwargs)))
    # signal handlers can only be installed from the main thread
    handlers = []
    monkeypatch.setattr(worker.signal, "signal", lambda sig, handler: handlers.append((sig, handler)))

    thread = threading.Thread(target=worker.run_worker, args=(app,), daemon=True)
    thread.start()
    try:
        assert started.wait(10), "scheduler did not start"
        assert round_done.wait(20), "no polling round ran"
        [scheduler] = schedulers
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert {"poll", "housekeeping"} <= set(jobs)
        assert jobs["poll"].trigger.interval == timedelta(seconds=3600)
        assert jobs["housekeeping"].trigger.interval == timedelta(hours=1)
        for job in jobs.values():
            assert job.max_instances == 1 and job.coalesce
        assert metrics_servers == []  # WORKER_METRICS_PORT is 0: no server
    finally:
        for scheduler in schedulers:
            if scheduler.running:
                scheduler.shutdown(wait=True)
        thread.join(10)
    assert not thread.is_alive(), "worker did not stop"
    assert [sig for sig, _ in handlers] == [signal.SIGTERM]
    s = reload(shipment)
    assert s.status == "delivered" and s.next_poll_at == policy_next(s, s.last_polled_at)


def test_sigterm_lets_the_round_in_hand_finish_then_stops(app, monkeypatch):
    """The SIGTERM handler tells the running round to stop between batches, and waits for it:
    a batch abandoned mid-way would stay claimed until its lease ran out."""
    handlers = {}
    stopped = []
    jobs = {}

    class Fake:
        def __init__(self, *args, **kwargs):
            pass

        def add_job(self, func, trigger, **kwargs):
            jobs[kwargs["id"]] = kwargs["args"]

        def start(self):
            handlers[signal.SIGTERM](signal.SIGTERM, None)

        def shutdown(self, wait=True):
            stopped.append(wait)

    monkeypatch.setattr(worker, "BlockingScheduler", Fake)
    monkeypatch.setattr(worker.signal, "signal", lambda sig, handler: handlers.__setitem__(sig, handler))
    worker.run_worker(app)
    assert stopped == [True]
    stopping = jobs["poll"][1]
    assert stopping.is_set()


class FakeScheduler:
    """Records add_job calls; start() returns at once."""

    def __init__(self, *args, **kwargs):
        self.jobs = {}

    def add_job(self, func, trigger, **kwargs):
        self.jobs[kwargs["id"]] = (func, trigger, kwargs)

    def start(self):
        pass

    def shutdown(self, wait=True):
        pass


def test_run_worker_serves_metrics_when_a_port_is_set(app, monkeypatch):
    monkeypatch.setitem(app.config, "WORKER_METRICS_PORT", 9123)
    started, made = [], []
    monkeypatch.setattr(worker, "start_http_server",
                        lambda port, addr: started.append((port, addr)))
    monkeypatch.setattr(worker, "BlockingScheduler",
                        lambda *a, **k: made.append(FakeScheduler()) or made[-1])
    monkeypatch.setattr(worker.signal, "signal", lambda sig, handler: None)
    worker.run_worker(app)
    assert started == [(9123, "127.0.0.1")]  # loopback only: scraped by a local agent
    [scheduler] = made
    assert {"poll", "housekeeping"} <= set(scheduler.jobs)
    func, trigger, kwargs = scheduler.jobs["housekeeping"]
    assert func is worker.housekeeping and kwargs["args"] == [app]
    func, trigger, kwargs = scheduler.jobs["poll"]
    assert func is worker.poll_round and kwargs["args"][0] is app


def test_housekeeping_prunes_old_poll_records(app, merchant, make_shipment, caplog):
    shipment = make_shipment(merchant, number="DEMOONTIME1")
    now = utcnow()
    keep = app.config["POLL_RECORD_DAYS"]
    for age in (keep + 1, keep + 30, keep - 1, 0):
        db.session.add(PollRecord(shipment_id=shipment.id, carrier="demo", outcome="ok",
                                  polled_at=now - timedelta(days=age)))
    db.session.commit()
    db.session.rollback()
    with caplog.at_level("INFO", logger="tracking.polling.worker"):
        worker.housekeeping(app)
    db.session.expire_all()
    ages = sorted((now - r.polled_at).days for r in db.session.query(PollRecord))
    assert ages == [0, keep - 1]
    assert "pruned 2 poll records" in caplog.text
