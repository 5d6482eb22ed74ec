"""The shipment page for support, and polling one shipment now through the worker's code path."""
from datetime import timedelta

from cryptography.fernet import Fernet

from tests.support.conftest import scan
from tracking.extensions import db
from tracking.models import CarrierAccount, CarrierCircuit, PollRecord, Shipment
from tracking.models.types import utcnow
from tracking.polling.now import BUSY, claim, poll_now


def test_page_shows_timeline_mapping_polls_and_link(app, merchant, make_shipment, agent_client,
                                                    with_scans):
    shipment = make_shipment(merchant, "DEMODETAIL1")
    with_scans(shipment, scan(0, "failed_attempt", "No one <i>home</i>", code="DE", offset=-300,
                              substatus="recipient_unavailable"))
    db.session.add(PollRecord(shipment_id=shipment.id, carrier="demo", outcome="ok", http_status=200,
                              duration_ms=412, raw='{"status": "<script>x</script>"}', polled_at=utcnow()))
    db.session.commit()
    body = agent_client.get(f"/support/shipments/{shipment.id}").get_data(as_text=True)
    assert "<code>DE</code> → Delivery attempted" in body and "recipient unavailable" in body
    assert "UTC-05:00" in body and "No one home" in body
    assert "412 ms" in body and "&lt;script&gt;x&lt;/script&gt;" in body and "<script>x" not in body
    assert f'value="https://track.test/t/{shipment.public_token}"' in body
    assert 'data-copy-target="#tracking-link"' in body and "js/copy.js" in body
    assert f'<iframe src="/t/{shipment.public_token}"' in body


def test_agent_never_sees_carrier_credentials(app, merchant, make_shipment, agent, console_client):
    app.config["CREDENTIALS_KEY"] = Fernet.generate_key().decode()
    account = CarrierAccount(merchant_id=merchant.id, carrier="ups")
    account.settings = {"client_id": "ACME-CLIENT-ID", "client_secret": "ACME-SECRET-XYZ"}
    db.session.add(account)
    shipment = make_shipment(merchant, "1Z999AA10123456784", carrier="ups")
    client = console_client(agent)
    for url in (f"/support/shipments/{shipment.id}", "/support/search?q=1Z", "/support/exceptions"):
        body = client.get(url).get_data(as_text=True)
        assert "ACME-CLIENT-ID" not in body and "ACME-SECRET" not in body
    assert client.get("/console/carriers").status_code == 403
    assert "/console/carriers" not in client.get("/support/search").get_data(as_text=True)


def test_another_merchants_shipment_is_404(app, make_merchant, make_shipment, agent_client):
    theirs = make_shipment(make_merchant("rival"), "DEMORIVAL2")
    assert agent_client.get(f"/support/shipments/{theirs.id}").status_code == 404
    assert agent_client.post(f"/support/shipments/{theirs.id}/repoll").status_code == 404


def test_poll_now_merges_records_and_reschedules(app, merchant, make_shipment):
    shipment = make_shipment(merchant, "DEMOONTIME77", registered_hours_ago=10 / 3600)
    result = poll_now(shipment.id)
    shipment = db.session.get(Shipment, shipment.id)
    assert result.outcome == "ok" and result.new_events and result.record is not None
    assert {e.id for e in result.new_events} == {e.id for e in shipment.events}
    assert shipment.claimed_by is None and shipment.next_poll_at > utcnow()


def test_poll_now_respects_a_held_claim(app, merchant, make_shipment):
    shipment = make_shipment(merchant, "DEMOONTIME78")
    token = claim(shipment.id)
    result = poll_now(shipment.id)
    assert result.busy and result.outcome == BUSY
    assert db.session.get(Shipment, shipment.id).claimed_by == token
    assert db.session.query(PollRecord).count() == 0


def test_poll_now_respects_an_open_circuit(app, merchant, make_shipment, agent_client):
    shipment = make_shipment(merchant, "DEMOONTIME79")
    db.session.add(CarrierCircuit(key="demo", consecutive_failures=5, times_opened=1,
                                  open_until=utcnow() + timedelta(minutes=5)))
    db.session.commit()
    body = agent_client.post(f"/support/shipments/{shipment.id}/repoll",
                             headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "paused for a while" in body
    shipment = db.session.get(Shipment, shipment.id)
    assert shipment.claimed_by is None and shipment.next_poll_at > utcnow() + timedelta(minutes=4)
    assert db.session.query(PollRecord).count() == 0


def test_repoll_without_javascript_shows_the_result_on_the_page(app, merchant, make_shipment,
                                                                agent_client):
    shipment = make_shipment(merchant, "DEMOONTIME80", registered_hours_ago=10 / 3600)
    body = agent_client.post(f"/support/shipments/{shipment.id}/repoll").get_data(as_text=True)
    assert "<html" in body and "Outcome: Answered." in body and "new events" in body
