"""POST /webhooks/<provider>: per-merchant verification, idempotence, tenancy, problem errors."""
import pytest
from sqlalchemy import select

from tracking.extensions import db
from tracking.models import WebhookDelivery
from webhook_helpers import (
    NUMBER, SECRETS, SIGNERS, aftership, as_checkpoint, counts, dumps, easypost_journey, reload,
    sh_status, shippo, sign_easypost,
)

PROVIDERS = ("easypost", "aftership", "shippo")


def journey(provider: str, number: str = NUMBER) -> dict:
    """Three scans ending out for delivery, as each provider would push them."""
    if provider == "easypost":
        return easypost_journey(number=number)
    if provider == "aftership":
        return aftership([
            as_checkpoint("2024-11-20T08:00:00-05:00", "InfoReceived", "InfoReceived_001",
                          "Shipper created a label"),
            as_checkpoint("2024-11-21T02:15:00-06:00", "InTransit", "InTransit_003",
                          "Arrived at facility", city="Memphis"),
            as_checkpoint("2024-11-22T07:05:00-08:00", "OutForDelivery", "OutForDelivery_001",
                          "Out for delivery"),
        ], number=number)
    return shippo([
        sh_status("2024-11-20T13:00:00Z", "PRE_TRANSIT", "Label created", "information_received"),
        sh_status("2024-11-21T08:15:00Z", "TRANSIT", "Arrived at facility", "package_arrived",
                  city="Memphis"),
        sh_status("2024-11-22T15:05:00Z", "TRANSIT", "Out for delivery", "out_for_delivery"),
    ], number=number)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and "type" in body
    return body


@pytest.mark.parametrize("provider", PROVIDERS)
def test_valid_push_merges_events_and_status(provider, post, shipment, secrets_of):
    response = post(provider, journey(provider))

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"status": "processed", "events_added": 3, "events_skipped": 0}
    stored = reload(shipment)
    assert stored.status == "out_for_delivery"
    assert len(stored.events) == 3
    assert {e.source for e in stored.events} == {f"webhook:{provider}"}
    assert stored.estimated_delivery_earliest is not None
    delivery = db.session.scalar(select(WebhookDelivery))
    assert (delivery.provider, delivery.shipment_id, delivery.events_added) == (
        provider, shipment.id, 3)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_redelivery_of_the_same_body_changes_nothing(provider, post, shipment, secrets_of):
    payload = journey(provider)
    assert post(provider, payload).status_code == 200
    before = counts()
    updated_at = reload(shipment).updated_at

    again = post(provider, payload)

    assert again.status_code == 200
    assert again.get_json() == {"status": "duplicate"}
    assert counts() == before == (3, 1)
    assert reload(shipment).updated_at == updated_at


@pytest.mark.parametrize("provider", ["easypost", "aftership"])
def test_new_delivery_id_with_known_scans_adds_no_events(provider, post, shipment, secrets_of):
    """A second event about the same scans (new id) is processed, and the timeline dedupes it."""
    assert post(provider, journey(provider)).status_code == 200
    payload = journey(provider)
    payload["id" if provider == "easypost" else "event_id"] = "another-delivery"

    response = post(provider, payload)

    assert response.get_json()["events_added"] == 0
    assert counts() == (3, 2)
    assert reload(shipment).status == "out_for_delivery"


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("damage", ["wrong secret", "missing header", "tampered body"])
def test_bad_signature_is_401_and_changes_nothing(provider, damage, post, shipment, secrets_of):
    payload = journey(provider)
    if damage == "wrong secret":
        response = post(provider, payload, secret="not-the-secret")
    elif damage == "missing header":
        response = post(provider, payload, headers={"Content-Type": "application/json"})
    else:
        headers = SIGNERS[provider](dumps(payload), SECRETS[provider])
        tampered = dumps(payload).replace(b"Out for delivery", b"Delivered!!!!!!!")
        response = post(provider, payload, headers=headers, body=tampered)

    assert_problem(response, 401)
    assert counts() == (0, 0)
    assert reload(shipment).status == "pending"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_another_merchants_secret_does_not_work(provider, post, shipment, merchant, make_merchant,
                                                set_secret):
    other = make_merchant("globex")
    set_secret(merchant, provider, "acme-secret")
    set_secret(other, provider, "globex-secret")

    # Signed with Globex's secret, claiming to be for Acme: refused.
    assert_problem(post(provider, journey(provider), secret="globex-secret"), 401)
    # Signed with Globex's secret, for Globex: verified, but Acme's shipment is not Globex's.
    for_globex = post(provider, journey(provider), secret="globex-secret", slug="globex")
    assert for_globex.status_code == 202
    assert for_globex.get_json() == {"status": "ignored"}
    assert counts() == (0, 0)
    assert reload(shipment).status == "pending"


@pytest.mark.parametrize("slug", ["nobody", "", "globex"], ids=["unknown", "empty", "no secret"])
def test_unknown_merchant_or_missing_secret_is_401_without_saying_which(
        slug, post, shipment, secrets_of, make_merchant):
    make_merchant("globex")  # exists, but has no secret
    refused = post("easypost", journey("easypost"), slug=slug)
    bad_signature = post("easypost", journey("easypost"), secret="wrong")

    assert assert_problem(refused, 401) == assert_problem(bad_signature, 401)
    assert counts() == (0, 0)


def test_no_merchant_parameter_is_401(client, shipment, secrets_of):
    body = dumps(journey("easypost"))
    response = client.post("/webhooks/easypost", data=body,
                           headers=sign_easypost(body, SECRETS["easypost"]))
    assert_problem(response, 401)


def test_secret_is_per_provider(post, shipment, merchant, set_secret):
    """AfterShip's secret does not verify an EasyPost push."""
    set_secret(merchant, "aftership", "shared-looking")
    assert_problem(post("easypost", journey("easypost"), secret="shared-looking"), 401)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_unknown_tracking_number_is_202_ignored(provider, post, shipment, secrets_of):
    response = post(provider, journey(provider, number="1ZUNKNOWN0000000"))

    assert response.status_code == 202
    assert response.get_json() == {"status": "ignored"}
    assert counts() == (0, 0)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("body", [
    b"{not json", b"\xff\xfe\x00garbage", b"[]", b'"text"', b"{}", b""],
    ids=["broken", "not-utf8", "list", "string", "empty-object", "empty"])
def test_malformed_signed_body_is_400_and_writes_nothing(provider, body, post, shipment,
                                                         secrets_of):
    assert_problem(post(provider, None, body=body), 400)
    assert counts() == (0, 0)


SHAPE_ERRORS = {
    "easypost": [("result",), ("result", "tracking_details"), ("result", "tracking_code"),
                 ("description",)],
    "aftership": [("msg",), ("msg", "checkpoints"), ("msg", "tracking_number"), ("event",)],
    "shippo": [("data",), ("data", "tracking_history"), ("data", "tracking_number"),
               ("data", "tracking_status"), ("event",)],
}


@pytest.mark.parametrize("provider,path", [(p, path) for p, paths in SHAPE_ERRORS.items()
                                           for path in paths], ids=str)
def test_wrong_shape_is_400_and_writes_nothing(provider, path, post, shipment, secrets_of):
    payload = journey(provider)
    parent = payload
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = ["not", "the", "documented", "type"] if path[-1] != "checkpoints" else [1]
    assert_problem(post(provider, payload), 400)
    assert counts() == (0, 0)


@pytest.mark.parametrize("provider,payload", [
    ("easypost", {"id": "evt_2", "description": "batch.created", "result": {}}),
    ("aftership", {"event": "tracking_created", "event_id": "x", "msg": {}}),
    ("shippo", {"event": "transaction_created", "data": {}}),
])
def test_other_event_types_are_acknowledged_and_ignored(provider, payload, post, secrets_of):
    response = post(provider, payload)
    assert response.status_code == 202
    assert response.get_json() == {"status": "ignored"}
    assert counts() == (0, 0)


@pytest.mark.parametrize("path", [
    "/webhooks/fedex", "/webhooks/EasyPost", "/webhooks/%3Cscript%3E"])
def test_unknown_provider_is_404_problem(client, path):
    body = assert_problem(client.post(path + "?merchant=acme", data=b"{}"), 404)
    assert "<script>" not in body["detail"]


def test_get_is_not_allowed(client):
    assert client.get("/webhooks/easypost").status_code == 405


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_csrf_does_not_apply(post, shipment, secrets_of):
    assert post("easypost", journey("easypost")).status_code == 200


@pytest.mark.parametrize("app", [{"WEBHOOK_RATE_LIMIT": "2 per minute"}], indirect=True)
def test_rate_limited_with_a_problem(post, shipment, secrets_of, make_merchant, set_secret):
    assert post("easypost", journey("easypost")).status_code == 200
    assert post("easypost", journey("easypost")).status_code == 200
    body = assert_problem(post("easypost", journey("easypost")), 429)
    assert body["title"] == "Too Many Requests"
    # Another merchant behind the same provider address has its own allowance.
    set_secret(make_merchant("initech"), "easypost", "x")
    assert post("easypost", journey("easypost"), slug="initech", secret="x").status_code == 202
