"""With CSRF checks on (the test config turns them off), every console form needs its token."""
import pytest

from tests.console.conftest import csrf_token, sign_in

CSRF_ON = [{"WTF_CSRF_ENABLED": True}]


@pytest.mark.parametrize("app", CSRF_ON, indirect=True)
def test_login_without_the_token_is_refused(client, owner):
    response = client.post("/console/login", data={"email": owner.email, "password": "x" * 12})
    assert response.status_code == 400
    assert "console.css" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


@pytest.mark.parametrize("app", CSRF_ON, indirect=True)
def test_login_with_a_token_from_another_session_is_refused(app, owner):
    token = csrf_token(app.test_client())
    response = app.test_client().post(
        "/console/login", data={"email": owner.email, "password": "x" * 12, "csrf_token": token})
    assert response.status_code == 400


@pytest.mark.parametrize("app", CSRF_ON, indirect=True)
def test_login_with_the_token_works(client, owner):
    assert sign_in(client, owner.email).status_code == 302
    assert client.get("/console/").status_code == 200


@pytest.mark.parametrize("app", CSRF_ON, indirect=True)
def test_logout_needs_the_token(client, owner, logged_in):
    logged_in(client, owner)
    assert client.post("/console/logout").status_code == 400
    assert client.get("/console/").status_code == 200
    token = csrf_token(client, "/console/")
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/").status_code == 302


@pytest.mark.parametrize("app", CSRF_ON, indirect=True)
def test_htmx_requests_carry_the_token_in_a_header(client, owner, logged_in):
    logged_in(client, owner)
    page = client.get("/console/").get_data(as_text=True)
    assert "hx-headers='{\"X-CSRFToken\": " in page
    token = csrf_token(client, "/console/")
    response = client.post("/console/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302


@pytest.mark.parametrize("app", CSRF_ON, indirect=True)
def test_reset_forms_need_the_token(client, owner):
    assert client.post("/console/reset", data={"email": owner.email}).status_code == 400
    assert client.application.extensions["outbox"] == []
