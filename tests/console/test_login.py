"""Signing in and out: one answer for every failure, safe redirects, a fresh session, rate limits."""
import re

import pytest
from sqlalchemy import select

from tests.console.conftest import PASSWORD, sign_in
from tracking.extensions import db
from tracking.models import User

FAILED = "That email and password do not match an account"
# A CSRF token carries a timestamp: two pages a second apart differ there and only there.
TOKEN = re.compile(r"[\w-]+\.[\w-]{6}\.[\w-]{27}")


def comparable(response, email: str) -> str:
    return TOKEN.sub("TOKEN", response.get_data(as_text=True).replace(email, "EMAIL"))


def test_login_page_has_the_contract_fields(client):
    page = client.get("/console/login").get_data(as_text=True)
    assert re.search(r'<label for="email">', page) and re.search(r'<label for="password">', page)
    assert 'name="email"' in page and 'name="password"' in page and 'type="password"' in page
    assert 'autocomplete="current-password"' in page


def test_sign_in_lands_on_the_dashboard(client, owner):
    response = sign_in(client, owner.email)
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    page = client.get("/console/").get_data(as_text=True)
    assert "Olive Owner" in page and "owner@acme.test" in page and "Acme Goods" in page
    assert db.session.scalar(select(User.last_login_at).filter_by(id=owner.id)) is not None


def test_email_is_matched_case_insensitively(client, owner):
    assert sign_in(client, "  OWNER@Acme.TEST ").status_code == 302


def test_unknown_email_and_wrong_password_get_the_same_answer(client, owner):
    wrong_password = sign_in(client, owner.email, "not the password at all")
    unknown_email = sign_in(client, "nobody@acme.test", "not the password at all")
    assert wrong_password.status_code == unknown_email.status_code == 200
    bodies = [comparable(wrong_password, owner.email), comparable(unknown_email, "nobody@acme.test")]
    assert FAILED in bodies[0]
    assert bodies[0] == bodies[1]
    assert client.get("/console/").status_code == 302


def test_a_deactivated_user_cannot_sign_in(client, merchant, make_user):
    user = make_user(merchant, "admin", active=False)
    response = sign_in(client, user.email)
    assert response.status_code == 200 and FAILED in response.get_data(as_text=True)


def test_empty_form_shows_field_errors(client):
    response = client.post("/console/login", data={})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'aria-invalid="true"' in page
    assert FAILED not in page


def test_signing_in_starts_a_new_session(client, owner):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, owner.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{owner.id}:")
        assert session.permanent


@pytest.mark.parametrize("target", [
    "https://evil.test/console/", "//evil.test/", "/\\evil.test", "\\\\evil.test", "http:evil.test",
    "javascript:alert(1)", "/\t/evil.test", "evil.test", "%2F%2Fevil.test", "https:/evil.test",
])
def test_next_never_leaves_the_site(client, owner, target):
    response = sign_in(client, owner.email, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"


def test_next_keeps_a_local_path(client, owner):
    response = sign_in(client, owner.email, next_url="/console/team?sort=email")
    assert response.headers["Location"] == "/console/team?sort=email"


def test_signed_in_user_visiting_login_goes_to_the_console(client, owner, logged_in):
    logged_in(client, owner)
    assert client.get("/console/login").headers["Location"] == "/console/"


def test_logout_is_post_only_and_ends_the_session(client, owner, logged_in):
    logged_in(client, owner)
    assert client.get("/console/logout").status_code == 405
    assert client.get("/console/").status_code == 200
    response = client.post("/console/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/console/login"
    assert "You have signed out." in client.get("/console/login").get_data(as_text=True)
    assert client.get("/console/").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.parametrize("app", [{"LOGIN_RATE_LIMIT": "3 per minute"}], indirect=True)
def test_failed_sign_ins_are_limited_per_address(client, owner):
    for number in range(3):
        assert sign_in(client, f"guess{number}@acme.test", "wrong password 123").status_code == 200
    response = sign_in(client, owner.email)  # even the right password waits now
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "console.css" in page and "track.css" not in page


@pytest.mark.parametrize("app", [{"LOGIN_RATE_LIMIT": "3 per minute"}], indirect=True)
def test_failed_sign_ins_are_limited_per_email_across_addresses(app, owner):
    for number in range(3):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{number + 1}"
        assert sign_in(client, owner.email, "wrong password 123").status_code == 200
    fresh = app.test_client()
    fresh.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert sign_in(fresh, owner.email).status_code == 429
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.8"
    assert sign_in(other, "someone-else@acme.test", "wrong password 123").status_code == 200


@pytest.mark.parametrize("app", [{"LOGIN_RATE_LIMIT": "2 per minute"}], indirect=True)
def test_successful_sign_ins_do_not_count(app, owner):
    for _ in range(4):
        client = app.test_client()
        assert sign_in(client, owner.email, PASSWORD).status_code == 302
