"""GET /metrics: Prometheus text built at scrape time from the database (any web worker answers
the same), plus this process's own counters. Workers serve their poll counters themselves."""
import hmac

from flask import Flask, Response, abort, current_app, request
from prometheus_client import CollectorRegistry, generate_latest, REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .extensions import limiter
from .polling.report import snapshot


class PollingCollector:
    """Queue depth, oldest overdue shipment, circuit states, stalls, recent outcomes."""

    def collect(self):
        snap = snapshot()
        yield GaugeMetricFamily("tracking_queue_due", "Shipments due and unclaimed", value=snap.due)
        yield GaugeMetricFamily("tracking_queue_in_flight", "Shipments claimed by a worker",
                                value=snap.in_flight)
        yield GaugeMetricFamily("tracking_oldest_overdue_seconds",
                                "How late the most overdue shipment is", value=snap.oldest_overdue_seconds)
        yield GaugeMetricFamily("tracking_stalled_shipments", "Shipments flagged as stalled",
                                value=snap.stalled)
        by_status = GaugeMetricFamily("tracking_shipments", "Shipments by status", labels=["status"])
        for status, count in sorted(snap.by_status.items()):
            by_status.add_metric([status], count)
        yield by_status
        circuit = GaugeMetricFamily("tracking_circuit_open", "1 while a carrier's circuit is open",
                                    labels=["carrier", "state"])
        for key, state, _, _, _ in snap.circuits:
            circuit.add_metric([key, state], 1 if state == "open" else 0)
        yield circuit
        recent = GaugeMetricFamily("tracking_polls_last_hour", "Polls in the last hour",
                                   labels=["carrier", "outcome"])
        for (carrier, outcome), count in sorted(snap.last_hour.items()):
            recent.add_metric([carrier, outcome], count)
        yield recent
        latency = GaugeMetricFamily("tracking_carrier_latency_ms",
                                    "Carrier round trip over the last hour", labels=["carrier", "quantile"])
        for carrier, (p50, p95) in sorted(snap.latency_ms.items()):
            latency.add_metric([carrier, "0.5"], p50)
            latency.add_metric([carrier, "0.95"], p95)
        yield latency


def register(app: Flask) -> None:
    @app.get("/metrics")
    @limiter.exempt
    def metrics():
        token = current_app.config.get("METRICS_TOKEN")
        if token:
            sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(sent.encode(), token.encode()):
                abort(401)
        registry = CollectorRegistry()
        registry.register(PollingCollector())
        body = generate_latest(registry) + generate_latest(REGISTRY)
        return Response(body, mimetype=CONTENT_TYPE_LATEST)
