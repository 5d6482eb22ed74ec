"""send_tracking_link: to the order's email or phone, a clear error instead of an exception."""
import pytest
import requests
import responses

from tracking.extensions import db
from tracking.messages import SendResult, render, send_tracking_link
from tracking.shipments import tracking_url


def test_email_goes_to_the_customer_with_the_rendered_text(app, shipment):
    result = send_tracking_link(shipment, "email")
    assert result == SendResult(True, "ada@example.com", None, render(shipment, "email"))
    sent = app.extensions["outbox"][-1]
    assert sent["To"] == "ada@example.com" and sent["Subject"] == result.message.subject
    assert tracking_url(shipment) in sent.get_content()


def test_sms_goes_to_the_customers_phone(app, shipment):
    result = send_tracking_link(shipment, "sms")
    assert result.ok and result.error is None and result.recipient == "+44 20 7946 0000"
    assert app.extensions["sms_outbox"][-1] == {"to": "+442079460000", "body": result.message.body}


@pytest.mark.parametrize("channel, column, words", [
    ("email", "customer_email", "no email address"), ("sms", "customer_phone", "no phone number")])
@pytest.mark.parametrize("missing", [None, "", "   "])
def test_no_address_is_a_clear_error(app, shipment, channel, column, words, missing):
    setattr(shipment.order, column, missing)
    db.session.commit()
    outbox_key = "outbox" if channel == "email" else "sms_outbox"
    before = len(app.extensions[outbox_key])
    result = send_tracking_link(shipment, channel)
    assert (result.ok, result.recipient, result.message) == (False, None, None)
    assert words in result.error
    assert len(app.extensions[outbox_key]) == before


def test_errors_are_in_the_agents_language(app, shipment, monkeypatch):
    shipment.order.customer_phone = None
    db.session.commit()
    import flask_babel

    class Marked:
        def ugettext(self, text):
            return f"<{flask_babel.get_locale()}> {text}"
    monkeypatch.setattr(flask_babel.Domain, "get_translations", lambda self: Marked())
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert send_tracking_link(shipment, "sms").error.startswith("<fr> ")


def test_a_failing_sms_gateway_is_a_clear_error(app, shipment, no_outbound_network):
    app.config.update(SMS_BACKEND="twilio", SMS_FROM="+15005550006", SMS_TWILIO_ACCOUNT_SID="AC1",
                      SMS_TWILIO_AUTH_TOKEN="t", SMS_TWILIO_BASE_URL="https://twilio.test")
    no_outbound_network.add(responses.POST, "https://twilio.test/2010-04-01/Accounts/AC1/Messages.json",
                            body=requests.Timeout("slow"))
    result = send_tracking_link(shipment, "sms")
    assert not result.ok and "could not be sent" in result.error
    assert result.recipient == "+44 20 7946 0000" and result.message is not None


def test_an_address_the_mail_library_refuses_is_a_clear_error(shipment):
    shipment.order.customer_email = "ada@example.com\nBcc: everyone@example.com"
    db.session.commit()
    result = send_tracking_link(shipment, "email")
    assert not result.ok and "not valid" in result.error


def test_an_unknown_channel_is_an_error_not_an_exception(shipment):
    result = send_tracking_link(shipment, "fax")
    assert not result.ok and result.error
