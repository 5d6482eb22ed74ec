"""Password reset by emailed link: same answer for every address, one use, one hour."""
import re
import time

import pytest
from itsdangerous import TimestampSigner

from tests.console.conftest import PASSWORD, sign_in
from tracking.console.auth import make_reset_token
from tracking.extensions import db

SENT = "If an account uses that email address, we have sent it a link"
DEAD = "This link has expired or has already been used."
NEW_PASSWORD = "seven purple giraffes dancing"
LINK = re.compile(r"https://track\.test(/console/reset/\S+)")


@pytest.fixture
def outbox(app):
    return app.extensions["outbox"]


def reset_link(message) -> str:
    match = LINK.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


def test_reset_end_to_end(client, owner, outbox):
    page = client.get("/console/reset").get_data(as_text=True)
    assert '<label for="email">' in page
    response = client.post("/console/reset", data={"email": "Owner@Acme.test"})
    assert response.status_code == 200 and SENT in response.get_data(as_text=True)
    (message,) = outbox
    assert message["To"] == "owner@acme.test"
    assert message["Subject"] == "Reset your console password"
    assert "Acme Goods" in message.get_content() and "60 minutes" in message.get_content()
    link = reset_link(message)

    form = client.get(link)
    assert form.status_code == 200 and 'autocomplete="new-password"' in form.get_data(as_text=True)
    assert form.headers["Referrer-Policy"] == "no-referrer"
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/console/login"
    assert "Your password has been changed" in client.get("/console/login").get_data(as_text=True)

    assert sign_in(client, owner.email, PASSWORD).status_code == 200
    assert sign_in(client, owner.email, NEW_PASSWORD).status_code == 302

    # The link dies with the password it was made for: a second use is refused.
    again = client.post(link, data={"password": "another fine passphrase",
                                     "confirm": "another fine passphrase"})
    assert again.status_code == 400 and DEAD in again.get_data(as_text=True)
    db.session.refresh(owner)
    assert owner.check_password(NEW_PASSWORD)


def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_mail(client, merchant,
                                                                         make_user, outbox):
    make_user(merchant, "agent", email="gone@acme.test", active=False)
    answers = {client.post("/console/reset", data={"email": email}).get_data(as_text=True)
               for email in ("nobody@acme.test", "gone@acme.test")}
    assert len(answers) == 1 and SENT in answers.pop()
    assert outbox == []


def test_known_and_unknown_addresses_read_the_same(client, owner):
    known = client.post("/console/reset", data={"email": owner.email}).get_data(as_text=True)
    unknown = client.post("/console/reset", data={"email": "x@acme.test"}).get_data(as_text=True)
    token = re.compile(r"[\w-]+\.[\w-]{6}\.[\w-]{27}")
    assert token.sub("", known) == token.sub("", unknown)


def test_an_expired_link_is_refused(client, owner, monkeypatch):
    an_hour_ago = int(time.time()) - 3601
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: an_hour_ago)
    link = f"/console/reset/{make_reset_token(owner)}"
    monkeypatch.undo()
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400 and DEAD in response.get_data(as_text=True)
    assert sign_in(client, owner.email, NEW_PASSWORD).status_code == 200


def test_a_link_a_minute_short_of_the_hour_still_works(client, owner, monkeypatch):
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3540)
    link = f"/console/reset/{make_reset_token(owner)}"
    monkeypatch.undo()
    assert client.get(link).status_code == 200


@pytest.mark.parametrize("mangle", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: "x" + token,
    lambda token: "not-a-token",
])
def test_a_tampered_link_is_refused(client, owner, mangle):
    response = client.get(f"/console/reset/{mangle(make_reset_token(owner))}")
    assert response.status_code == 400 and DEAD in response.get_data(as_text=True)


def test_a_link_for_a_user_deactivated_since_is_refused(client, owner):
    link = f"/console/reset/{make_reset_token(owner)}"
    owner.active = False
    db.session.commit()
    assert client.get(link).status_code == 400


def test_the_new_password_must_be_strong_and_typed_twice(client, owner):
    link = f"/console/reset/{make_reset_token(owner)}"
    for password, confirm, error in [
        ("short", "short", "Use at least 10 characters."),
        ("password123", "password123", "too easy to guess"),
        ("owner@acme.test", "owner@acme.test", "must not contain your email address"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "The two passwords are not the same."),
    ]:
        response = client.post(link, data={"password": password, "confirm": confirm})
        assert response.status_code == 200 and error in response.get_data(as_text=True), password
    assert sign_in(client, owner.email, PASSWORD).status_code == 302


def test_the_link_uses_the_public_base_url_not_the_request_host(app, client, owner, outbox):
    headers = {"Host": "evil.test", "X-Forwarded-Host": "evil.test"}
    # A Host that is not primary nor a custom domain gets 404 before the console sees it...
    assert client.post("/console/reset", data={"email": owner.email}, headers=headers).status_code == 404
    assert outbox == []
    # ...and even where it is let in (PRIMARY_HOSTS), the link names PUBLIC_BASE_URL.
    app.config["PRIMARY_HOSTS"] = ["evil.test"]
    client.post("/console/reset", data={"email": owner.email}, headers=headers)
    (message,) = outbox
    assert "evil.test" not in message.get_content()
    assert reset_link(message).startswith("/console/reset/")


def test_a_reset_ends_sessions_signed_in_elsewhere(client, owner, console_client):
    elsewhere = console_client(owner)
    link = f"/console/reset/{make_reset_token(owner)}"
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert elsewhere.get("/console/").status_code == 302


@pytest.mark.parametrize("app", [{"RESET_RATE_LIMIT": "2 per hour"}], indirect=True)
def test_reset_requests_are_rate_limited(client, owner, outbox):
    for _ in range(2):
        assert client.post("/console/reset", data={"email": owner.email}).status_code == 200
    response = client.post("/console/reset", data={"email": "x@acme.test"})
    assert response.status_code == 429 and "Too many attempts" in response.get_data(as_text=True)
    assert len(outbox) == 2


def test_the_reset_email_is_in_the_readers_language(client, owner, outbox):
    client.post("/console/reset?lang=de", data={"email": owner.email})
    (message,) = outbox
    assert message["Subject"] != "Reset your console password"
    assert "Acme Goods" in message.get_content()
