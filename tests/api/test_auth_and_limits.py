"""API keys (bearer auth, revocation, last use), problem documents for every error, rate limits."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tracking.extensions import db
from tracking.models import ApiKey, Shipment
from tracking.models.types import utcnow

URL = "/api/v1/shipments"
LIMITED = {"API_RATE_LIMIT": "3 per minute"}


@pytest.fixture
def issued(merchant):
    """A fresh key of `merchant` and its raw value."""
    key, raw = ApiKey.issue(merchant, "tests")
    db.session.commit()
    return key, raw


def endpoints(shipment_id: int):
    return [
        ("get", URL, {}),
        ("post", URL, {"json": {"tracking_number": "DEMO1234", "order": {"number": "1"}}}),
        ("get", f"{URL}/{shipment_id}", {}),
        ("post", f"{URL}/{shipment_id}/refresh", {}),
    ]


@pytest.mark.parametrize("authorization", [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "Token trk_whatever",
    "Bearer trk_not-a-real-key",
], ids=repr)
def test_requests_without_a_valid_key_are_401(client, merchant, make_shipment, assert_problem,
                                              authorization):
    shipment = make_shipment(merchant)
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, url, kwargs in endpoints(shipment.id):
        response = getattr(client, method)(url, headers=headers, **kwargs)
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.scalar(select(Shipment.next_poll_at).where(Shipment.id == shipment.id)) \
        == shipment.next_poll_at
    assert len(db.session.scalars(select(Shipment)).all()) == 1


def test_auth_is_checked_before_the_body(client, assert_problem):
    response = client.post(URL, data="{not json", headers={"Content-Type": "application/json"})
    assert_problem(response, 401)


def test_a_raw_key_is_never_stored_and_the_scheme_is_case_insensitive(client, issued):
    key, raw = issued
    assert raw not in (key.key_hash, key.prefix)
    assert client.get(URL, headers={"Authorization": f"bearer {raw}"}).status_code == 200
    assert client.get(URL, headers={"Authorization": f"Bearer  {raw} "}).status_code == 200


def test_revoked_key_is_401(client, issued, assert_problem):
    key, raw = issued
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(URL, headers=headers).status_code == 200

    key.revoked_at = utcnow()
    db.session.commit()

    response = client.get(URL, headers=headers)
    assert_problem(response, 401)
    assert "WWW-Authenticate" in response.headers


def test_a_key_of_another_merchant_acts_for_that_merchant(client, issued, make_merchant,
                                                          make_shipment):
    other = make_merchant("globex")
    make_shipment(other, "DEMOFOREIGN1")
    _, raw = issued
    assert client.get(URL, headers={"Authorization": f"Bearer {raw}"}).get_json()["data"] == []


def test_last_used_at_is_recorded_about_once_a_minute(client, issued):
    key, raw = issued
    headers = {"Authorization": f"Bearer {raw}"}
    assert key.last_used_at is None

    before = utcnow()
    assert client.get(URL, headers=headers).status_code == 200
    first = db.session.scalar(select(ApiKey.last_used_at).where(ApiKey.id == key.id))
    assert first is not None and before - timedelta(seconds=1) <= first <= utcnow()

    assert client.get(URL, headers=headers).status_code == 200
    assert db.session.scalar(select(ApiKey.last_used_at).where(ApiKey.id == key.id)) == first

    stale = utcnow() - timedelta(minutes=5)
    key.last_used_at = stale
    db.session.commit()
    assert client.get(URL, headers=headers).status_code == 200
    assert db.session.scalar(select(ApiKey.last_used_at).where(ApiKey.id == key.id)) > stale


def test_failed_auth_does_not_touch_last_used_at(client, issued):
    key, raw = issued
    key.revoked_at = utcnow()
    db.session.commit()
    assert client.get(URL, headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert db.session.scalar(select(ApiKey.last_used_at).where(ApiKey.id == key.id)) is None


# --- every error is a problem document --------------------------------------------------------


def test_every_error_is_a_problem_document(client, api_headers, merchant, make_shipment,
                                           assert_problem):
    shipment = make_shipment(merchant, "DEMOONTIME1", "1001")
    conflict = {"tracking_number": "DEMOONTIME1", "carrier": "demo", "order": {"number": "other"}}
    cases = [
        (400, client.post(URL, data="{", headers={**api_headers,
                                                   "Content-Type": "application/json"})),
        (401, client.get(URL)),
        (404, client.get(f"{URL}/{shipment.id + 1000}", headers=api_headers)),
        (404, client.get("/api/v1/nothing-here", headers=api_headers)),
        (405, client.delete(f"{URL}/{shipment.id}", headers=api_headers)),
        (409, client.post(URL, json=conflict, headers=api_headers)),
        (415, client.post(URL, data="x=1", headers={
            **api_headers, "Content-Type": "application/x-www-form-urlencoded"})),
        (422, client.post(URL, json={"order": {}}, headers=api_headers)),
        (422, client.get(f"{URL}?cursor=nonsense", headers=api_headers)),
        (422, client.post(URL, json={**conflict, "carrier": "pigeon"}, headers=api_headers)),
    ]
    seen = {}
    for status, response in cases:
        body = assert_problem(response, status)
        # One status, one title and type, whether the framework or our code raised it.
        seen.setdefault(status, (body["type"], body["title"]))
        assert (body["type"], body["title"]) == seen[status], body


# --- rate limits ------------------------------------------------------------------------------


@pytest.mark.parametrize("app", [LIMITED], indirect=True)
def test_rate_limit_answers_429_problem_with_retry_after(app, client, api_headers,
                                                         assert_problem):
    assert app.config["API_RATE_LIMIT"] == "3 per minute"
    for _ in range(3):
        assert client.get(URL, headers=api_headers).status_code == 200

    response = client.get(URL, headers=api_headers)

    assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["X-RateLimit-Limit"] == "3"
    assert response.headers["X-RateLimit-Remaining"] == "0"


@pytest.mark.parametrize("app", [LIMITED], indirect=True)
def test_rate_limit_counts_every_endpoint_per_key(client, merchant, make_merchant, make_shipment,
                                                  api_headers, assert_problem):
    shipment = make_shipment(merchant)
    assert client.get(URL, headers=api_headers).status_code == 200
    assert client.get(f"{URL}/{shipment.id}", headers=api_headers).status_code == 200
    assert client.post(f"{URL}/{shipment.id}/refresh", headers=api_headers).status_code == 202
    assert_problem(client.post(f"{URL}/{shipment.id}/refresh", headers=api_headers), 429)

    _, other_raw = ApiKey.issue(make_merchant("globex"), "other")
    db.session.commit()
    assert client.get(URL, headers={"Authorization": f"Bearer {other_raw}"}).status_code == 200


@pytest.mark.parametrize("app", [LIMITED], indirect=True)
def test_rate_limit_also_holds_off_anonymous_requests(client, assert_problem):
    for _ in range(3):
        assert_problem(client.get(URL), 401)
    assert_problem(client.get(URL), 429)


@pytest.mark.parametrize("app", [LIMITED], indirect=True)
def test_made_up_keys_cannot_evade_the_limit(client, issued, assert_problem):
    """A new random token per request still counts against the client's address."""
    for i in range(3):
        assert_problem(client.get(URL, headers={"Authorization": f"Bearer trk_guess{i}"}), 401)
    assert_problem(client.get(URL, headers={"Authorization": "Bearer trk_guess3"}), 429)
    # A real key has its own allowance.
    _, raw = issued
    assert client.get(URL, headers={"Authorization": f"Bearer {raw}"}).status_code == 200


@pytest.mark.parametrize("app", [LIMITED], indirect=True)
def test_openapi_document_is_not_rate_limited_by_the_api_limit(client):
    for _ in range(5):
        assert client.get("/api/v1/openapi.json").status_code == 200
