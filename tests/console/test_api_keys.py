"""Console API keys: owners and admins list, create (shown once) and revoke keys."""
import re

import pytest

from tests.console.conftest import csrf_token
from tracking.extensions import db
from tracking.models import ApiKey

RAW_KEY = re.compile(r'value="(trk_[^"]+)"')


def api_get(client, raw):
    return client.get("/api/v1/shipments", headers={"Authorization": f"Bearer {raw}"})


def test_create_shows_the_key_once_and_it_works(app, owner, console_client):
    client = console_client(owner)
    response = client.post("/console/api-keys", data={"name": "Checkout"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    raw = RAW_KEY.search(response.get_data(as_text=True)).group(1)
    assert api_get(app.test_client(), raw).status_code == 200
    listing = client.get("/console/api-keys").get_data(as_text=True)
    assert "Checkout" in listing and raw[:12] in listing and raw not in listing
    key = db.session.scalars(db.select(ApiKey)).one()
    assert key.name == "Checkout" and raw not in (key.key_hash, key.prefix)


def test_name_is_required(owner, console_client):
    response = console_client(owner).post("/console/api-keys", data={"name": " "})
    assert response.status_code == 422
    assert 'aria-describedby="name-hint name-error"' in response.get_data(as_text=True)
    assert db.session.scalars(db.select(ApiKey)).all() == []


def test_revoke_stops_the_key_at_once(app, merchant, admin, console_client):
    key, raw = ApiKey.issue(merchant, "Old")
    db.session.commit()
    api = app.test_client()
    assert api_get(api, raw).status_code == 200
    client = console_client(admin)
    response = client.post(f"/console/api-keys/{key.id}/revoke")
    assert response.status_code == 302
    assert api_get(api, raw).status_code == 401
    page = client.get("/console/api-keys").get_data(as_text=True)
    assert "Revoked" in page and f"/console/api-keys/{key.id}/revoke" not in page


def test_another_merchants_key_is_out_of_reach(make_merchant, owner, console_client):
    other = make_merchant("other")
    key, _ = ApiKey.issue(other, "Theirs")
    db.session.commit()
    client = console_client(owner)
    assert "Theirs" not in client.get("/console/api-keys").get_data(as_text=True)
    assert client.post(f"/console/api-keys/{key.id}/revoke").status_code == 404
    db.session.refresh(key)
    assert key.revoked_at is None


def test_agents_may_not_open_it(agent, console_client):
    client = console_client(agent)
    assert client.get("/console/api-keys").status_code == 403
    assert client.post("/console/api-keys", data={"name": "x"}).status_code == 403
    assert "/console/api-keys" not in client.get("/console/").get_data(as_text=True)


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_forms_need_the_csrf_token(merchant, owner, console_client):
    key, _ = ApiKey.issue(merchant, "Old")
    db.session.commit()
    client = console_client(owner)
    assert client.post("/console/api-keys", data={"name": "x"}).status_code == 400
    assert client.post(f"/console/api-keys/{key.id}/revoke").status_code == 400
    token = csrf_token(client, "/console/api-keys")
    response = client.post(f"/console/api-keys/{key.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 302
