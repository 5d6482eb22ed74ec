"""Console webhooks: owners and admins add endpoints, disable/enable, rotate, replay deliveries."""
import re
import socket

import pytest

from tracking import outbound
from tracking.extensions import db
from tracking.models import OutboundDelivery, WebhookEndpoint, WebhookMessage

HOOK = "https://hooks.example.com/tracking"
_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """hooks.example.com is public; everything else resolves numerically only."""
    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host in ("hooks.example.com", "other.example.com"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]
        return _real_getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def endpoint_of(merchant, url=HOOK):
    endpoint = outbound.register_endpoint(merchant, url, outbound.EVENT_TYPES)
    db.session.commit()
    return endpoint


def delivery_of(endpoint, excerpt=None, status="failed"):
    message = WebhookMessage(merchant_id=endpoint.merchant_id, endpoint_id=endpoint.id,
                             event_type="shipment.delivered", payload="{}")
    delivery = OutboundDelivery(message=message, merchant_id=endpoint.merchant_id,
                                endpoint_id=endpoint.id, status=status, attempts=3,
                                last_status_code=500, last_response_excerpt=excerpt)
    db.session.add_all([message, delivery])
    db.session.commit()
    return delivery


def test_add_shows_the_secret_once_and_lists_it(owner, console_client):
    client = console_client(owner)
    response = client.post("/console/webhooks", data={
        "url": HOOK, "events": ["shipment.delivered"], "description": "ERP"})
    assert response.status_code == 200
    secret = re.search(r'value="(whsec_[^"]+)"', response.get_data(as_text=True)).group(1)
    endpoint = db.session.scalars(db.select(WebhookEndpoint)).one()
    assert endpoint.secret == secret and endpoint.events == "shipment.delivered"
    page = client.get("/console/webhooks").get_data(as_text=True)
    assert HOOK in page and "ERP" in page and secret not in page
    assert "shipment.status_changed" in page  # offered as a checkbox


def test_refused_url_shows_the_message(owner, console_client):
    response = console_client(owner).post("/console/webhooks", data={
        "url": "https://127.0.0.1/hook", "events": ["shipment.delivered"]})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="url-error"' in body and 'aria-invalid="true"' in body
    assert db.session.scalars(db.select(WebhookEndpoint)).all() == []


def test_no_event_chosen_is_refused(owner, console_client):
    response = console_client(owner).post("/console/webhooks", data={"url": HOOK})
    assert response.status_code == 422
    assert db.session.scalars(db.select(WebhookEndpoint)).all() == []


def test_disable_enable_and_rotate(merchant, admin, console_client):
    endpoint = endpoint_of(merchant)
    old = endpoint.secret
    client = console_client(admin)
    assert client.post(f"/console/webhooks/{endpoint.id}/disable").status_code == 302
    db.session.refresh(endpoint)
    assert endpoint.active is False
    assert "Disabled" in client.get("/console/webhooks").get_data(as_text=True)
    assert client.post(f"/console/webhooks/{endpoint.id}/enable").status_code == 302
    db.session.refresh(endpoint)
    assert endpoint.active is True
    response = client.post(f"/console/webhooks/{endpoint.id}/rotate")
    db.session.refresh(endpoint)
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.secret in response.get_data(as_text=True)


def test_log_and_replay(merchant, owner, console_client):
    delivery = delivery_of(endpoint_of(merchant), status="dead")
    client = console_client(owner)
    page = client.get("/console/webhooks").get_data(as_text=True)
    assert "HTTP 500" in page and f"/console/webhooks/deliveries/{delivery.id}/replay" in page
    assert client.post(f"/console/webhooks/deliveries/{delivery.id}/replay").status_code == 302
    chains = db.session.scalars(db.select(OutboundDelivery).order_by(OutboundDelivery.id)).all()
    assert len(chains) == 2 and chains[1].replay_of_id == delivery.id
    assert chains[1].status == "pending"


def test_response_excerpts_are_escaped(merchant, owner, console_client):
    delivery_of(endpoint_of(merchant), excerpt="<script>alert(1)</script>")
    page = console_client(owner).get("/console/webhooks").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_another_merchants_rows_are_404(make_merchant, owner, console_client):
    other = make_merchant("other")
    endpoint = endpoint_of(other, "https://other.example.com/hook")
    delivery = delivery_of(endpoint)
    client = console_client(owner)
    assert "other.example.com" not in client.get("/console/webhooks").get_data(as_text=True)
    for action in ("disable", "enable", "rotate"):
        assert client.post(f"/console/webhooks/{endpoint.id}/{action}").status_code == 404
    assert client.post(f"/console/webhooks/deliveries/{delivery.id}/replay").status_code == 404
    db.session.refresh(endpoint)
    assert endpoint.active and len(db.session.scalars(db.select(OutboundDelivery)).all()) == 1


def test_agents_may_not_open_it(merchant, agent, console_client):
    endpoint = endpoint_of(merchant)
    client = console_client(agent)
    assert client.get("/console/webhooks").status_code == 403
    assert client.post("/console/webhooks", data={"url": HOOK}).status_code == 403
    assert client.post(f"/console/webhooks/{endpoint.id}/disable").status_code == 403
    assert "/console/webhooks" not in client.get("/console/").get_data(as_text=True)


def test_posts_need_the_csrf_token(app, merchant, owner, console_client):
    endpoint = endpoint_of(merchant)
    client = console_client(owner)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/console/webhooks/{endpoint.id}/disable").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.refresh(endpoint)
    assert endpoint.active
