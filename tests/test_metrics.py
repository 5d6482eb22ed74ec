"""/metrics and `flask polling-status` report the queue, circuits and recent polls."""
import json
import re
from datetime import timedelta

import pytest

from tracking.extensions import db
from tracking.models import CarrierCircuit, PollRecord
from tracking.models.types import utcnow


@pytest.fixture
def scene(merchant, make_shipment):
    now = utcnow()
    overdue = make_shipment(merchant, number="DEMOONTIME1")
    overdue.next_poll_at = now - timedelta(minutes=10)
    later = make_shipment(merchant, number="DEMOONTIME2")
    later.next_poll_at, later.stalled = now + timedelta(hours=1), True
    db.session.add_all([
        PollRecord(shipment_id=overdue.id, carrier="ups", outcome="ok", duration_ms=120, polled_at=now),
        PollRecord(shipment_id=overdue.id, carrier="ups", outcome="throttled", duration_ms=80,
                   polled_at=now),
        PollRecord(shipment_id=overdue.id, carrier="ups", outcome="ok", polled_at=now - timedelta(hours=2)),
        CarrierCircuit(key="fedex", consecutive_failures=5, times_opened=1,
                       open_until=now + timedelta(minutes=5), last_error="HTTP 503"),
    ])
    db.session.commit()


def test_metrics_exposes_queue_circuits_and_recent_polls(client, scene):
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "tracking_queue_due 1.0" in text
    overdue = float(re.search(r"^tracking_oldest_overdue_seconds (\S+)$", text, re.M).group(1))
    assert 590 <= overdue <= 700
    assert "tracking_stalled_shipments 1.0" in text
    assert 'tracking_circuit_open{carrier="fedex",state="open"} 1.0' in text
    assert 'tracking_polls_last_hour{carrier="ups",outcome="ok"} 1.0' in text  # 2 h old one left out
    assert 'tracking_polls_last_hour{carrier="ups",outcome="throttled"} 1.0' in text
    assert 'tracking_shipments{status="pending"} 2.0' in text


@pytest.mark.parametrize("app", [{"METRICS_TOKEN": "s3cret"}], indirect=True)
def test_metrics_token_when_configured(client, scene):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_polling_status_command(runner, scene):
    text = runner.invoke(args=["polling-status"]).output
    assert "due now: 1" in text and "stalled: 1" in text
    assert "circuit fedex: open" in text and "HTTP 503" in text
    assert "ups" in text and "throttled" in text
    data = json.loads(runner.invoke(args=["polling-status", "--json"]).output)
    assert data["due"] == 1 and data["circuits"][0]["state"] == "open"
    assert {"carrier": "ups", "outcome": "ok", "polls": 1} in data["last_hour"]
    assert data["latency_ms"]["ups"] == {"p50": 120.0, "p95": 120.0}
