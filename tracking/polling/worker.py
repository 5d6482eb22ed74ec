"""The polling worker: APScheduler runs polling rounds and housekeeping, in its own process."""
import logging
import signal
import threading
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from prometheus_client import start_http_server

from ..outbound import deliver_all_due, prune as prune_outbound
from .poller import drain, prune_records

log = logging.getLogger(__name__)


def poll_round(app: Flask, stopping: threading.Event | None = None) -> None:
    """One scheduled round, in an app context; it ends early once `stopping` is set."""
    with app.app_context():
        summary = drain(stopping=stopping)
        if summary.claimed:
            log.info("poll round: %s", summary, extra={
                "event": "poll_round", "claimed": summary.claimed, "polled": summary.polled,
                "new_events": summary.new_events, "status_changes": summary.status_changes,
                "errors": summary.errors, "outcomes": dict(summary.by_outcome)})


def deliver_round(app: Flask, stopping: threading.Event | None = None) -> None:
    """Deliver the outbound webhooks that are due, in an app context; stop early like a poll round."""
    with app.app_context():
        summary = deliver_all_due(stopping=stopping)
        if summary.claimed:
            log.info("webhook round: %s", summary, extra={
                "event": "webhook_round", "claimed": summary.claimed,
                "succeeded": summary.succeeded, "failed": summary.failed, "dead": summary.dead})


def housekeeping(app: Flask) -> None:
    """Prune poll records and outbound webhook messages past their retention."""
    with app.app_context():
        removed = prune_records()
        if removed:
            log.info("pruned %s poll records", removed, extra={"event": "prune", "rows": removed})
        removed = prune_outbound()
        if removed:
            log.info("pruned %s webhook messages", removed,
                     extra={"event": "prune_webhooks", "rows": removed})


def recommendations_round(app: Flask) -> None:
    """Recompute every merchant's product recommendations (tracking/offers/recommend.py)."""
    from ..offers.recommend import compute_all
    hours = app.config["RECOMMENDATIONS_INTERVAL_HOURS"]
    with app.app_context():  # another worker's recent run counts: skip what it computed
        compute_all(fresh_for=timedelta(hours=hours * 0.9))


def run_worker(app: Flask) -> None:
    """Block, polling every WORKER_INTERVAL_SECONDS, until SIGINT or SIGTERM."""
    port = app.config["WORKER_METRICS_PORT"]
    if port:
        start_http_server(port, addr="127.0.0.1")
    now = datetime.now(timezone.utc)
    scheduler = BlockingScheduler(timezone=timezone.utc)
    stopping = threading.Event()
    scheduler.add_job(poll_round, "interval", args=[app, stopping], id="poll", next_run_time=now,
                      seconds=app.config["WORKER_INTERVAL_SECONDS"], max_instances=1, coalesce=True)
    scheduler.add_job(deliver_round, "interval", args=[app, stopping], id="outbound_webhooks",
                      seconds=app.config["OUTBOUND_WEBHOOKS_INTERVAL_SECONDS"], next_run_time=now,
                      max_instances=1, coalesce=True)
    scheduler.add_job(housekeeping, "interval", args=[app], id="housekeeping", hours=1,
                      next_run_time=now, max_instances=1, coalesce=True)
    scheduler.add_job(recommendations_round, "interval", args=[app], id="recommendations",
                      hours=app.config["RECOMMENDATIONS_INTERVAL_HOURS"], next_run_time=now,
                      max_instances=1, coalesce=True)

    def stop(signum, frame):
        """Finish the batch in hand (its claims would otherwise wait out their lease), then exit."""
        stopping.set()
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    log.info("worker started: polling every %ss", app.config["WORKER_INTERVAL_SECONDS"],
             extra={"event": "worker_started", "metrics_port": port or None})
    try:
        scheduler.start()
    except KeyboardInterrupt:
        pass
