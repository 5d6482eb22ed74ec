"""The polling worker: APScheduler runs a polling round on a clock, in its own process."""
import logging
import signal
from datetime import datetime, timezone

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from .poller import drain

log = logging.getLogger(__name__)


def poll_round(app: Flask) -> None:
    """One scheduled round, in an app context."""
    with app.app_context():
        summary = drain()
        if summary.claimed:
            log.info("poll round: %s", summary)


def run_worker(app: Flask) -> None:
    """Block, polling every WORKER_INTERVAL_SECONDS, until SIGINT or SIGTERM."""
    scheduler = BlockingScheduler(timezone=timezone.utc)
    scheduler.add_job(
        poll_round,
        "interval",
        args=[app],
        seconds=app.config["WORKER_INTERVAL_SECONDS"],
        next_run_time=datetime.now(timezone.utc),
        max_instances=1,
        coalesce=True,
        id="poll",
    )

    def stop(signum, frame):
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info("worker started: polling every %ss", app.config["WORKER_INTERVAL_SECONDS"])
    try:
        scheduler.start()
    except KeyboardInterrupt:
        pass
