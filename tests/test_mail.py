"""Outgoing mail: logged and kept when no server is set, handed to SMTP when one is."""
import logging
import smtplib

import pytest

from tracking import mail


def test_without_a_server_mail_is_logged_and_kept(app, caplog):
    with app.test_request_context(), caplog.at_level(logging.WARNING, "tracking.mail"):
        assert mail.send("shop@example.com", "Hello", "The body.") is None
    (message,) = app.extensions["outbox"]
    assert (message["To"], message["Subject"]) == ("shop@example.com", "Hello")
    assert message["From"] == app.config["MAIL_FROM"] and message["Message-ID"].endswith("@localhost>")
    assert "The body." in caplog.text and "MAIL_SERVER is not set" in caplog.text and "shop@example.com" in caplog.text


def test_the_outbox_keeps_the_last_messages(app):
    with app.test_request_context():
        for number in range(mail.OUTBOX_SIZE + 5):
            mail.send("a@example.com", f"#{number}", "body")
    outbox = app.extensions["outbox"]
    assert len(outbox) == mail.OUTBOX_SIZE and outbox[-1]["Subject"] == f"#{mail.OUTBOX_SIZE + 4}"


class FakeSMTP:
    """Stands in for smtplib.SMTP: records the conversation."""
    sessions: list = []
    fail = False

    def __init__(self, host, port, timeout=None, **kwargs):
        self.calls = [("connect", host, port, timeout)]
        FakeSMTP.sessions.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append(("quit",))

    def starttls(self, context=None):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        if FakeSMTP.fail:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such user")})
        self.calls.append(("send", message["To"]))


@pytest.fixture
def fake_smtp(monkeypatch):
    FakeSMTP.sessions, FakeSMTP.fail = [], False
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


@pytest.mark.parametrize("app", [{"MAIL_SERVER": "smtp.example.com", "MAIL_USERNAME": "u",
                                  "MAIL_PASSWORD": "p"}], indirect=True)
def test_with_a_server_mail_goes_out_by_smtp_off_the_request_thread(app, fake_smtp):
    with app.test_request_context():
        thread = mail.send("shop@example.com", "Hello", "The body.")
    thread.join(5)
    (session,) = fake_smtp.sessions
    assert session.calls == [("connect", "smtp.example.com", 587, 10), ("starttls",),
                             ("login", "u", "p"), ("send", "shop@example.com"), ("quit",)]
    assert len(app.extensions["outbox"]) == 1


def test_a_refused_message_is_logged_not_raised(fake_smtp, caplog):
    fake_smtp.fail = True
    settings = {"MAIL_SERVER": "smtp.example.com", "MAIL_PORT": 25, "MAIL_SECURITY": "none",
                "MAIL_USERNAME": None, "MAIL_PASSWORD": None, "MAIL_TIMEOUT": 3}
    from email.message import EmailMessage
    message = EmailMessage()
    message["To"], message["Subject"] = "x@example.com", "Hi"
    with caplog.at_level(logging.ERROR, "tracking.mail"):
        assert mail.deliver(settings, message) is False
    assert "could not send" in caplog.text
    assert ("starttls",) not in fake_smtp.sessions[0].calls
