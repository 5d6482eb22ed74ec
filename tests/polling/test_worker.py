"""The APScheduler worker: one round polls what is due; the blocking scheduler runs rounds."""
import signal
import threading
from datetime import timedelta

from apscheduler.schedulers.blocking import BlockingScheduler

from polling_helpers import reload
from tracking.extensions import db
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
    assert (d.status, d.next_poll_at, d.claimed_by) == ("delivered", None, None)
    assert d.last_polled_at is not None
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

    def poll_round(flask_app):
        try:
            real_round(flask_app)
        finally:
            round_done.set()

    monkeypatch.setattr(worker, "BlockingScheduler", Recorded)
    monkeypatch.setattr(worker, "poll_round", poll_round)
    # signal handlers can only be installed from the main thread
    handlers = []
    monkeypatch.setattr(worker.signal, "signal", lambda sig, handler: handlers.append((sig, handler)))

    thread = threading.Thread(target=worker.run_worker, args=(app,), daemon=True)
    thread.start()
    try:
        assert started.wait(10), "scheduler did not start"
        assert round_done.wait(20), "no polling round ran"
        [scheduler] = schedulers
        [job] = scheduler.get_jobs()
        assert job.id == "poll"
        assert job.trigger.interval == timedelta(seconds=3600)
        assert job.max_instances == 1 and job.coalesce
    finally:
        for scheduler in schedulers:
            if scheduler.running:
                scheduler.shutdown(wait=True)
        thread.join(10)
    assert not thread.is_alive(), "worker did not stop"
    assert [sig for sig, _ in handlers] == [signal.SIGTERM]
    s = reload(shipment)
    assert (s.status, s.next_poll_at) == ("delivered", None)


def test_sigterm_handler_stops_the_scheduler(app, monkeypatch):
    """The SIGTERM handler run_worker installs shuts the scheduler down."""
    handlers = {}
    stopped = []

    class Fake:
        def __init__(self, *args, **kwargs):
            pass

        def add_job(self, *args, **kwargs):
            pass

        def start(self):
            handlers[signal.SIGTERM](signal.SIGTERM, None)

        def shutdown(self, wait=True):
            stopped.append(wait)

    monkeypatch.setattr(worker, "BlockingScheduler", Fake)
    monkeypatch.setattr(worker.signal, "signal", lambda sig, handler: handlers.__setitem__(sig, handler))
    worker.run_worker(app)
    assert stopped == [False]
