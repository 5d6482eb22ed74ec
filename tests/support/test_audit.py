"""Every support action leaves exactly one accurate audit entry, in the merchant's log only."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.support.conftest import scan
from tracking.extensions import db
from tracking.models import AuditEntry, Shipment, ShipmentNote
from tracking.polling.now import claim


@pytest.fixture
def shipment(app, merchant, make_shipment, with_scans):
    shipment = make_shipment(merchant, "DEMOAUDIT1", order={
        "number": "AU-1", "items": [], "customer": {"email": "pat@example.com", "name": "Pat"}})
    with_scans(shipment, scan(0, "in_transit", "Picked up", code="PU"),
               estimated_delivery_latest=datetime(2024, 11, 22, 20, tzinfo=timezone.utc))
    return shipment


def only_entry(**filters) -> AuditEntry:
    """The one audit entry there is (failing when there are none or several)."""
    db.session.expire_all()
    (entry,) = db.session.scalars(select(AuditEntry).filter_by(**filters)).all()
    return entry


def test_override_entry(shipment, agent, agent_client):
    response = agent_client.post(f"/support/shipments/{shipment.id}/override", data={
        "status": "exception", "substatus": "damaged", "eta_latest": "2024-11-26T17:00",
        "reason": "Carrier confirmed damage by phone"})
    assert response.status_code == 302
    entry = only_entry()
    assert (entry.action, entry.user_id, entry.shipment_id, entry.merchant_id) == (
        "override", agent.id, shipment.id, shipment.merchant_id)
    assert entry.reason == "Carrier confirmed damage by phone"
    # 17:00 in New York (the shop's timezone) is 22:00 UTC.
    assert entry.changes == {
        "status": ["in_transit", "exception"], "substatus": [None, "damaged"],
        "estimated_delivery_earliest": [None, "2024-11-26T22:00:00+00:00"],
        "estimated_delivery_latest": ["2024-11-22T20:00:00+00:00", "2024-11-26T22:00:00+00:00"]}
    shipment = db.session.get(Shipment, shipment.id)
    assert shipment.override_by_id == agent.id and shipment.status == "exception"


def test_an_override_that_changes_nothing_is_refused(shipment, agent_client):
    response = agent_client.post(f"/support/shipments/{shipment.id}/override",
                                 data={"status": "in_transit", "reason": "same"})
    assert response.status_code == 422
    assert db.session.scalar(select(AuditEntry.id)) is None


def test_note_entry(shipment, agent, agent_client):
    body = "Customer asked to leave it with the neighbour\nat number 12"
    response = agent_client.post(f"/support/shipments/{shipment.id}/notes", data={"body": body})
    assert response.status_code == 302
    entry = only_entry()
    assert (entry.action, entry.user_id, entry.changes) == ("note_added", agent.id, {"note": [None, body]})
    note = db.session.scalar(select(ShipmentNote))
    assert note.body == body and note.user_id == agent.id
    page = agent_client.get(f"/support/shipments/{shipment.id}").get_data(as_text=True)
    assert "at number 12" in page


def test_empty_or_control_character_note_is_refused(shipment, agent_client):
    response = agent_client.post(f"/support/shipments/{shipment.id}/notes", data={"body": "\x00\x07 "})
    assert response.status_code == 422
    assert db.session.scalar(select(AuditEntry.id)) is None


def test_repoll_entry(shipment, agent, agent_client):
    response = agent_client.post(f"/support/shipments/{shipment.id}/repoll",
                                 headers={"HX-Request": "true"})
    assert response.status_code == 200
    entry = only_entry()
    db.session.refresh(shipment)
    assert (entry.action, entry.user_id) == ("repoll", agent.id)
    assert entry.changes["outcome"][1] in ("ok", "not_found")
    assert entry.changes["new_events"] == [None, len(shipment.events) - 1]


def test_repoll_while_a_worker_holds_the_claim(shipment, agent_client):
    assert claim(shipment.id)
    response = agent_client.post(f"/support/shipments/{shipment.id}/repoll",
                                 headers={"HX-Request": "true"})
    assert "A worker is polling this shipment right now" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry.id)) is None


def test_resend_entry(app, shipment, agent, agent_client):
    response = agent_client.post(f"/support/shipments/{shipment.id}/resend", data={"channel": "email"})
    assert response.status_code == 302
    entry = only_entry()
    assert (entry.action, entry.user_id, entry.reason) == ("link_resent", agent.id, None)
    assert entry.changes == {"channel": [None, "email"], "recipient": [None, "pat@example.com"],
                             "sent": [None, True]}
    assert any(shipment.public_token in str(m) for m in app.extensions["outbox"])


def test_failed_resend_is_recorded_with_its_error(shipment, agent_client):
    response = agent_client.post(f"/support/shipments/{shipment.id}/resend", data={"channel": "sms"},
                                 follow_redirects=True)
    assert "no phone number" in response.get_data(as_text=True)
    entry = only_entry()
    assert entry.changes["sent"] == [None, False] and "no phone number" in entry.reason


def test_resend_with_a_broken_sender(monkeypatch, shipment, agent_client):
    from tracking import messages

    def explode(shipment, channel):
        raise RuntimeError("gateway down")
    monkeypatch.setattr(messages, "send_tracking_link", explode)
    response = agent_client.post(f"/support/shipments/{shipment.id}/resend", data={"channel": "email"},
                                 follow_redirects=True)
    assert "could not be sent" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry.id)) is None


def test_carrier_correction_entry(app, merchant, make_shipment, agent, agent_client):
    shipment = make_shipment(merchant, "1Z999AA10123456784", carrier="dhl")
    response = agent_client.post(f"/support/shipments/{shipment.id}/carrier", data={"carrier": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = only_entry()
    assert (entry.action, entry.user_id) == ("carrier_corrected", agent.id)
    assert entry.changes["carrier"] == ["dhl", "ups"]
    assert entry.changes["events_removed"] == [0, 0]
    shipment = db.session.get(Shipment, shipment.id)
    assert shipment.carrier == "ups" and shipment.claimed_by is None
    assert shipment.last_polled_at is not None  # polled at once (UPS is not configured here)


@pytest.mark.parametrize("carrier, message", [
    ("fedex", "is not a valid FedEx tracking number"),
    ("demo", "is on Demo Express already"),
    ("nope", "Not a valid choice"),
])
def test_carrier_correction_refusals(shipment, agent_client, carrier, message):
    response = agent_client.post(f"/support/shipments/{shipment.id}/carrier", data={"carrier": carrier})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.refresh(shipment)
    assert shipment.carrier == "demo" and shipment.events
    assert db.session.scalar(select(AuditEntry.id)) is None


def test_carrier_correction_onto_an_existing_shipment(merchant, make_shipment, agent_client):
    make_shipment(merchant, "1Z999AA10123456784", carrier="ups", order_number="U-1")
    wrong = make_shipment(merchant, "1Z999AA10123456784", carrier="dhl", order_number="U-1")
    response = agent_client.post(f"/support/shipments/{wrong.id}/carrier", data={"carrier": "ups"})
    assert response.status_code == 422
    assert "already has UPS shipment 1Z999AA10123456784" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry.id)) is None


def test_merchant_audit_page_lists_entries_and_pages(app, shipment, agent_client, make_merchant,
                                                      make_user, make_shipment):
    from tracking.support import audit
    for n in range(audit.PER_PAGE + 2):
        agent_client.post(f"/support/shipments/{shipment.id}/notes", data={"body": f"note number {n}"})
    rival = make_merchant("rival")
    theirs = make_shipment(rival, "DEMORIVAL1")
    db.session.add(AuditEntry(merchant_id=rival.id, shipment_id=theirs.id, action="note_added",
                              changes={"note": [None, "rival secret"]}))
    db.session.commit()
    first = agent_client.get("/support/audit").get_data(as_text=True)
    assert first.count('data-action="note_added"') == audit.PER_PAGE
    assert f"note number {audit.PER_PAGE + 1}" in first and "rival secret" not in first
    second = agent_client.get("/support/audit?page=2").get_data(as_text=True)
    assert second.count('data-action="note_added"') == 2 and "note number 0<" in second.replace("</li>", "<")
    assert agent_client.get("/support/audit?page=-5").status_code == 200
