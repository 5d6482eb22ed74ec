"""Session cookies: Secure, HttpOnly, SameSite=Lax, expiring; ended by password changes."""
import pytest

from tests.console.conftest import sign_in
from tracking import create_app
from tracking.console import resolve_cookie_security
from tracking.extensions import db


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_session_cookie_is_secure_httponly_lax_and_expires(client, owner):
    cookie = session_cookie(sign_in(client, owner.email))
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie
    assert "Expires=" in cookie  # a permanent session: PERMANENT_SESSION_LIFETIME bounds it
    assert client.application.permanent_session_lifetime.total_seconds() == 12 * 3600


@pytest.mark.parametrize("app", [{"PUBLIC_BASE_URL": "http://127.0.0.1:5000"}], indirect=True)
def test_plain_http_on_this_machine_drops_secure_so_the_demo_can_sign_in(client, owner):
    cookie = session_cookie(sign_in(client, owner.email))
    assert "; Secure" not in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie


@pytest.mark.parametrize("app", [{"SESSION_COOKIE_SECURE": False}], indirect=True)
def test_an_explicit_setting_wins(client, owner):
    assert "; Secure" not in session_cookie(sign_in(client, owner.email))


@pytest.mark.parametrize("base_url, debug, setting, secure", [
    ("https://track.example.com", False, None, True),
    ("http://track.example.com", False, None, True),  # off this machine: only an explicit False
    ("http://127.0.0.1:5000", False, None, False),
    ("http://localhost:5000", False, None, False),
    ("http://[::1]:5000", False, None, False),
    ("https://track.example.com", True, None, False),
    ("http://127.0.0.1:5000", False, True, True),
    ("https://track.example.com", False, False, False),
])
def test_automatic_cookie_security(base_url, debug, setting, secure):
    from flask import Flask
    app = Flask(__name__)
    app.debug = debug
    app.config.update(PUBLIC_BASE_URL=base_url, SESSION_COOKIE_SECURE=setting,
                      REMEMBER_COOKIE_SECURE=setting)
    resolve_cookie_security(app)
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    assert app.config["REMEMBER_COOKIE_SECURE"] is secure


def test_production_defaults_are_secure(tmp_path):
    app = create_app({"SECRET_KEY": "x" * 32, "PUBLIC_BASE_URL": "https://track.example.com",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db.sqlite3"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    with app.app_context():
        db.engine.dispose()


def test_a_password_change_ends_other_sessions(app, owner, console_client):
    elsewhere = console_client(owner)
    assert elsewhere.get("/console/").status_code == 200
    owner.set_password("a brand new passphrase")
    db.session.commit()
    assert elsewhere.get("/console/").status_code == 302


def test_deactivating_a_user_ends_their_sessions(app, owner, console_client):
    client = console_client(owner)
    owner.active = False
    db.session.commit()
    assert client.get("/console/").status_code == 302


def test_a_forged_session_id_is_not_accepted(client, owner):
    with client.session_transaction() as session:
        session["_user_id"] = str(owner.id)  # no credential stamp
        session["_fresh"] = True
    assert client.get("/console/").status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = f"{owner.id}:0000000000"
    assert client.get("/console/").status_code == 302


def test_console_pages_are_private_and_unframed(client, owner, logged_in):
    logged_in(client, owner)
    for url in ("/console/", "/console/login", "/console/team"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
