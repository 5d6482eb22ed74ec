"""Overrides: they stand through polls until the carrier reports a scan newer than the override."""
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.conftest import scan
from tracking.extensions import db
from tracking.models import AuditEntry, Shipment
from tracking.models.types import utcnow
from tracking.polling.now import poll_now

OVERRIDE_AT = datetime(2024, 11, 20, 12, 0, tzinfo=timezone.utc)  # 4 h after the first scan (UTC)
ETA = (datetime(2024, 11, 25, 14, tzinfo=timezone.utc), datetime(2024, 11, 25, 18, tzinfo=timezone.utc))


def _override(shipment, status="exception", substatus="lost", eta=None, at=OVERRIDE_AT):
    """Set an override the way the support action does (status and ETA columns follow it)."""
    shipment.override_at, shipment.override_reason = at, "customer called"
    if status:
        shipment.override_status = shipment.status = status
        shipment.override_substatus = shipment.substatus = substatus
    if eta:
        shipment.override_eta_earliest = shipment.estimated_delivery_earliest = eta[0]
        shipment.override_eta_latest = shipment.estimated_delivery_latest = eta[1]
    db.session.commit()


@pytest.fixture
def shipment(app, merchant, make_shipment, with_scans):
    shipment = make_shipment(merchant, "DEMOOVERRIDE1")
    with_scans(shipment, scan(0, "in_transit", "Picked up", code="PU"))
    return shipment


def test_override_survives_a_repeat_and_an_older_scan(shipment, with_scans):
    _override(shipment, eta=ETA)
    with_scans(shipment, scan(0, "in_transit", "Picked up", code="PU"))  # the same scan again
    with_scans(shipment, scan(3, "in_transit", "Departed", code="DP"),  # older than the override
               estimated_delivery_latest=datetime(2024, 11, 22, tzinfo=timezone.utc))
    assert (shipment.status, shipment.substatus) == ("exception", "lost")
    assert (shipment.estimated_delivery_earliest, shipment.estimated_delivery_latest) == ETA
    assert shipment.override_at == OVERRIDE_AT


def test_newer_scan_ends_the_status_override(shipment, with_scans):
    _override(shipment)
    result = with_scans(shipment, scan(5, "out_for_delivery", "On the van", code="OD"))
    assert (shipment.status, shipment.substatus) == ("out_for_delivery", None)
    assert shipment.override_status is None and shipment.override_at is None
    assert result.status_changed and result.previous_status == "exception"


def test_eta_override_ends_only_when_a_newer_scan_brings_an_eta(shipment, with_scans):
    _override(shipment, status=None, eta=ETA)
    with_scans(shipment, scan(5, "in_transit", "Arrived", code="AR"))  # newer, but no ETA
    assert shipment.estimated_delivery_latest == ETA[1] and shipment.override_eta_latest == ETA[1]
    carrier_eta = datetime(2024, 11, 24, 20, tzinfo=timezone.utc)
    with_scans(shipment, scan(6, "in_transit", "Departed", code="DP"),
               estimated_delivery_latest=carrier_eta)
    assert shipment.estimated_delivery_latest == carrier_eta
    assert shipment.override_eta_latest is None and shipment.override_at is None


def test_status_override_stays_while_eta_override_ends(shipment, with_scans):
    _override(shipment, eta=ETA)
    with_scans(shipment, scan(3, "in_transit", "Departed", code="DP"))
    assert shipment.status == "exception"  # the scan was older than the override
    with_scans(shipment, scan(30, "in_transit", "Arrived", code="AR"),
               estimated_delivery_latest=datetime(2024, 11, 24, tzinfo=timezone.utc))
    assert shipment.status == "in_transit" and shipment.override_at is None


def _real_poll(shipment, minutes_after_override: float):
    """Poll the demo carrier for real; the override was set `minutes_after_override` before now."""
    shipment.override_at = utcnow() - timedelta(minutes=minutes_after_override)
    db.session.commit()
    return poll_now(shipment.id)


def test_override_survives_a_real_poll_without_newer_scans(app, merchant, make_shipment, agent):
    # Registered 200 demo hours ago: the whole ON-TIME journey lies before the override.
    shipment = make_shipment(merchant, "DEMOONTIME9", registered_hours_ago=200 / 3600)
    poll_now(shipment.id)
    shipment = db.session.get(Shipment, shipment.id)
    assert shipment.status == "delivered"
    _override(shipment, status="exception", substatus="damaged", at=utcnow())
    result = poll_now(shipment.id)
    shipment = db.session.get(Shipment, shipment.id)
    assert result.outcome == "ok" and not result.new_events
    assert (shipment.status, shipment.substatus) == ("exception", "damaged")


def test_newer_carrier_scan_in_a_real_poll_ends_the_override(app, merchant, make_shipment):
    shipment = make_shipment(merchant, "DEMOONTIME8")
    # Set before any scan exists: every scan the demo carrier reports is newer.
    _override(shipment, status="exception", substatus="lost", at=utcnow() - timedelta(days=1))
    result = poll_now(shipment.id, now=utcnow() + timedelta(seconds=10))
    shipment = db.session.get(Shipment, shipment.id)
    assert result.new_events
    assert shipment.status != "exception" and shipment.override_at is None


def test_override_shows_on_the_shopper_page(app, merchant, make_shipment, agent_client, client,
                                            shipment):
    page = client.get(f"/t/{shipment.public_token}").get_data(as_text=True)
    assert "On its way" in page or "in transit" in page.lower()
    response = agent_client.post(f"/support/shipments/{shipment.id}/override", data={
        "status": "delivered", "reason": "Customer confirmed it arrived"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/t/{shipment.public_token}").get_data(as_text=True)
    assert "Delivered" in page


def test_override_needs_a_reason_and_changes_nothing_without_one(shipment, agent_client):
    before = (shipment.status, shipment.updated_at)
    response = agent_client.post(f"/support/shipments/{shipment.id}/override",
                                 data={"status": "delivered", "reason": "  "})
    assert response.status_code == 422
    assert "Say why" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (shipment.status, shipment.updated_at) == before
    assert db.session.query(AuditEntry).count() == 0


@pytest.mark.parametrize("data, message", [
    ({"reason": "x"}, "Choose a status or enter a delivery window"),
    ({"substatus": "lost", "reason": "x"}, "A detail needs a status"),
    ({"status": "nonsense", "reason": "x"}, "Not a valid choice"),
    ({"eta_earliest": "2024-11-25T10:00", "eta_latest": "2024-11-24T10:00", "reason": "x"},
     "before its start"),
    ({"eta_latest": "not a date", "reason": "x"}, "Not a valid datetime"),
])
def test_hostile_override_input_is_refused_clearly(shipment, agent_client, data, message):
    response = agent_client.post(f"/support/shipments/{shipment.id}/override", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.query(AuditEntry).count() == 0
