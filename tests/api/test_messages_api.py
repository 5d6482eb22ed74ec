"""GET /api/v1/shipments/<id>/messages/<channel>: the text a shop sends itself, scoped to its key."""
import pytest

from tests.messages.conftest import save_template, shipment  # noqa: F401  (fixtures)
from tracking.extensions import db
from tracking.messages import render
from tracking.models import ApiKey
from tracking.shipments import tracking_url


def url(shipment, channel, **query):
    suffix = "".join(f"{'&' if i else '?'}{k}={v}" for i, (k, v) in enumerate(query.items()))
    return f"/api/v1/shipments/{shipment.id}/messages/{channel}{suffix}"


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_returns_the_rendered_message(client, api_headers, shipment, channel):
    response = client.get(url(shipment, channel), headers=api_headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    expected = render(shipment, channel)
    assert body == {"channel": channel, "locale": "en", "subject": expected.subject, "body": expected.body}
    assert tracking_url(shipment) in body["body"]
    assert (body["subject"] is None) == (channel == "sms")


def test_uses_the_merchants_template_in_the_asked_language(client, api_headers, merchant, shipment, save_template):
    save_template(merchant, "email", "pt_BR", "Rastreie: {tracking_link}", subject="Pedido {order_number}")
    body = client.get(url(shipment, "email", locale="pt-BR"), headers=api_headers).get_json()
    assert body == {"channel": "email", "locale": "pt_BR", "subject": "Pedido A-1001",
                    "body": f"Rastreie: {tracking_url(shipment)}"}


def test_language_defaults_to_the_shipments(client, api_headers, shipment):
    shipment.locale = "fr"
    db.session.commit()
    assert client.get(url(shipment, "sms"), headers=api_headers).get_json()["locale"] == "fr"


def test_another_merchants_shipment_is_404(client, make_merchant, make_shipment, shipment, assert_problem):
    other = make_merchant("other", name="Other Shop")
    _, raw = ApiKey.issue(other, "theirs")
    db.session.commit()
    response = client.get(url(shipment, "sms"), headers={"Authorization": f"Bearer {raw}"})
    body = assert_problem(response, 404)
    assert shipment.order.number not in response.get_data(as_text=True)
    assert "Acme" not in body["detail"]


def test_missing_shipment_is_404(client, api_headers, assert_problem):
    assert_problem(client.get("/api/v1/shipments/999999/messages/sms", headers=api_headers), 404)
    assert_problem(client.get(f"/api/v1/shipments/{2**40}/messages/sms", headers=api_headers), 404)


def test_bad_channel_is_422(client, api_headers, shipment, assert_problem, error_fields):
    body = assert_problem(client.get(url(shipment, "fax"), headers=api_headers), 422)
    assert error_fields(body) == {"channel"}


@pytest.mark.parametrize("locale", ["xx", "klingon", "%00", "x" * 11])
def test_bad_locale_is_422(client, api_headers, shipment, assert_problem, error_fields, locale):
    body = assert_problem(client.get(url(shipment, "sms", locale=locale), headers=api_headers), 422)
    assert error_fields(body) == {"locale"}


def test_needs_an_api_key(client, shipment, assert_problem):
    assert_problem(client.get(url(shipment, "sms")), 401)


def test_documented_in_openapi_from_the_same_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/shipments/{shipment_id}/messages/{channel}"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["channel"]["schema"]["enum"] == ["sms", "email"]
    assert parameters["locale"]["in"] == "query"
    assert {"200", "404", "422"} <= operation["responses"].keys()
    schema = spec["components"]["schemas"]["MessageOut"]
    assert set(schema["properties"]) == {"channel", "locale", "subject", "body"}
