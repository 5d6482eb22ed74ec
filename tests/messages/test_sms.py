"""Outgoing SMS: the log backend and its outbox, and Twilio's REST API (mocked with responses)."""
import logging
from urllib.parse import parse_qs

import pytest
import requests
import responses

from tracking import sms

TWILIO = "https://twilio.test"
MESSAGES_URL = f"{TWILIO}/2010-04-01/Accounts/AC123/Messages.json"


@pytest.fixture
def twilio(app):
    app.config.update(SMS_BACKEND="twilio", SMS_FROM="+15005550006", SMS_TWILIO_ACCOUNT_SID="AC123",
                      SMS_TWILIO_AUTH_TOKEN="tok3n", SMS_TWILIO_BASE_URL=TWILIO + "/",
                      SMS_CONNECT_TIMEOUT_SECONDS=2, SMS_READ_TIMEOUT_SECONDS=7)
    return app


def test_log_backend_logs_and_keeps_the_last_messages(app, caplog):
    with caplog.at_level(logging.WARNING, "tracking.sms"):
        assert sms.send("+1 (555) 010-0100", "Your parcel: https://track.test/t/x") is True
    assert "+15550100100" in caplog.text and "https://track.test/t/x" in caplog.text
    for number in range(sms.OUTBOX_SIZE + 3):
        sms.send("+15550100100", f"#{number}")
    outbox = app.extensions["sms_outbox"]
    assert len(outbox) == sms.OUTBOX_SIZE and outbox[-1] == {"to": "+15550100100",
                                                              "body": f"#{sms.OUTBOX_SIZE + 2}"}


@pytest.mark.parametrize("raw, normal", [("+44 20 7946 0000", "+442079460000"),
                                         ("0044 (20) 7946-0000", "+442079460000"),
                                         ("555.010.0100", "5550100100")])
def test_numbers_are_normalised(raw, normal):
    assert sms.normalise_number(raw) == normal


def test_a_number_without_digits_is_not_sent(app):
    assert sms.send("call me", "x") is False


def test_unknown_backend_is_refused_at_start(app):
    app.config["SMS_BACKEND"] = "carrier-pigeon"
    with pytest.raises(RuntimeError, match="SMS_BACKEND"):
        sms.init_app(app)


def test_twilio_gets_the_form_fields_with_basic_auth(twilio, no_outbound_network, monkeypatch):
    no_outbound_network.add(responses.POST, MESSAGES_URL, json={"sid": "SM1", "status": "queued"}, status=201)
    seen = {}
    real_post = requests.post
    monkeypatch.setattr(requests, "post", lambda *a, **kw: seen.update(kw) or real_post(*a, **kw))
    assert sms.send("+44 20 7946 0000", "Track it: https://track.test/t/abc") is True
    (call,) = no_outbound_network.calls
    assert call.request.url == MESSAGES_URL
    assert call.request.headers["Authorization"] == "Basic QUMxMjM6dG9rM24="  # AC123:tok3n
    assert call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(call.request.body).items()}
    assert form == {"From": "+15005550006", "To": "+442079460000", "Body": "Track it: https://track.test/t/abc"}
    assert seen["timeout"] == (2, 7) and seen["allow_redirects"] is False


@pytest.mark.parametrize("status", [400, 401, 429, 500])
def test_twilio_errors_are_false_and_logged(twilio, no_outbound_network, caplog, status):
    no_outbound_network.add(responses.POST, MESSAGES_URL, status=status,
                            json={"code": 21211, "message": "The 'To' number is not valid."})
    with caplog.at_level(logging.ERROR, "tracking.sms"):
        assert sms.send("+15550100100", "x") is False
    assert str(status) in caplog.text and "21211" in caplog.text


@pytest.mark.parametrize("error", [requests.Timeout("read timed out"), requests.ConnectionError("refused")])
def test_twilio_timeouts_and_network_errors_are_false(twilio, no_outbound_network, caplog, error):
    no_outbound_network.add(responses.POST, MESSAGES_URL, body=error)
    with caplog.at_level(logging.ERROR, "tracking.sms"):
        assert sms.send("+15550100100", "x") is False
    assert "could not reach Twilio" in caplog.text


def test_twilio_without_credentials_sends_nothing(twilio, no_outbound_network, caplog):
    twilio.config["SMS_TWILIO_AUTH_TOKEN"] = None
    with caplog.at_level(logging.ERROR, "tracking.sms"):
        assert sms.send("+15550100100", "x") is False
    assert not no_outbound_network.calls and "SMS_TWILIO_AUTH_TOKEN" in caplog.text
