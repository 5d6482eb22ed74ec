"""The exceptions queue: who is in it, in what order, its filters, and a CSV safe for spreadsheets."""
import csv
import io
from datetime import timedelta

import pytest

from tracking.extensions import db
from tracking.models.types import utcnow
from tracking.support.queue import safe_cell


@pytest.fixture
def queue(app, merchant, make_merchant, make_shipment, with_scans):
    """acme: an exception, a failed attempt, a stalled one, an overdue one, and two fine ones."""
    now = utcnow()
    made = {}
    for name, status in [("EXC", "exception"), ("ATT", "failed_attempt"), ("STL", "in_transit"),
                         ("OVD", "in_transit"), ("FINE", "in_transit"), ("DONE", "delivered")]:
        shipment = make_shipment(merchant, f"DEMOQ{name}", order_number=f"Q-{name}",
                                 carrier="ups" if name == "ATT" else "demo")
        shipment.status = status
        made[name] = shipment
    made["EXC"].last_event_at = now - timedelta(days=3)
    made["ATT"].last_event_at = now - timedelta(days=1)
    made["STL"].stalled, made["STL"].last_event_at = True, now - timedelta(days=5)
    made["OVD"].estimated_delivery_latest, made["OVD"].last_event_at = now - timedelta(hours=2), now
    made["FINE"].estimated_delivery_latest = now + timedelta(days=2)
    made["DONE"].estimated_delivery_latest = now - timedelta(days=2)
    rival = make_shipment(make_merchant("rival"), "DEMOQRIVAL", order_number="R-1")
    rival.status = "exception"
    db.session.commit()
    return made


def numbers(body: str) -> list[str]:
    return [n for n in (line.split("DEMOQ", 1)[1].split("<", 1)[0] for line in body.splitlines()
                        if '<th scope="row"><a href="/support/shipments/' in line)]


def test_queue_members_oldest_news_first(queue, agent_client):
    body = agent_client.get("/support/exceptions").get_data(as_text=True)
    assert numbers(body) == ["STL", "EXC", "ATT", "OVD"]
    assert "Overdue" in body and "Stalled" in body and "RIVAL" not in body


def test_override_eta_counts_for_overdue(queue, agent_client):
    fine = queue["FINE"]
    fine.override_eta_latest = utcnow() - timedelta(hours=1)
    fine.override_at = utcnow()
    db.session.commit()
    assert "FINE" in numbers(agent_client.get("/support/exceptions").get_data(as_text=True))


@pytest.mark.parametrize("query, expected", [
    ("carrier=ups", ["ATT"]), ("status=exception", ["EXC"]), ("status=in_transit", ["STL", "OVD"]),
    ("carrier=demo&status=failed_attempt", []), ("status=bogus", ["STL", "EXC", "ATT", "OVD"]),
])
def test_filters(queue, agent_client, query, expected):
    assert numbers(agent_client.get(f"/support/exceptions?{query}").get_data(as_text=True)) == expected


def test_csv_export_is_filtered_and_formula_safe(queue, agent_client):
    order = queue["EXC"].order
    order.customer_name = "=HYPERLINK(\"http://evil.test\",\"click\")"
    order.customer_email = "+1@example.com"
    db.session.commit()
    response = agent_client.get("/support/exceptions.csv?status=exception")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["tracking_number"] for r in rows] == ["DEMOQEXC"]
    assert rows[0]["customer_name"].startswith("'=HYPERLINK")
    assert rows[0]["customer_email"] == "'+1@example.com"
    assert rows[0]["reasons"] == "Exception"


@pytest.mark.parametrize("value, cell", [("=1+1", "'=1+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
                                         ("+33", "'+33"), ("plain", "plain"), (None, ""), (5, "5")])
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell
