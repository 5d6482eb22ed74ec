"""Outgoing SMS: Twilio when SMS_BACKEND is "twilio", else the log; recent messages kept in memory."""
import logging
import re

import requests
from flask import Flask, current_app

log = logging.getLogger("tracking.sms")
OUTBOX_SIZE = 50
BACKENDS = ("log", "twilio")
_NOT_DIGITS = re.compile(r"[^0-9]")


def init_app(app: Flask) -> None:
    """Give the app its SMS outbox (the last OUTBOX_SIZE messages, newest last) and check the backend."""
    if app.config["SMS_BACKEND"] not in BACKENDS:
        raise RuntimeError(f"SMS_BACKEND must be one of {BACKENDS}, not {app.config['SMS_BACKEND']!r}")
    app.extensions.setdefault("sms_outbox", [])


def normalise_number(phone: str) -> str:
    """`+1 (555) 010-0100` -> `+15550100100`: the E.164 shape SMS gateways expect."""
    phone = (phone or "").strip()
    digits = _NOT_DIGITS.sub("", phone)
    return ("+" if phone.startswith(("+", "00")) else "") + (digits[2:] if phone.startswith("00") else digits)


def send(to: str, body: str) -> bool:
    """Send `body` to the phone number `to`; True when the backend accepted it.

    Runs on the caller's thread (the caller wants to know whether it went). Failures are
    logged, never raised.
    """
    config = current_app.config
    number = normalise_number(to)
    outbox = current_app.extensions.setdefault("sms_outbox", [])
    outbox.append({"to": number, "body": body})
    del outbox[:-OUTBOX_SIZE]
    if len(number.lstrip("+")) < 3:
        log.warning("not an SMS number: %r", to)
        return False
    if config["SMS_BACKEND"] != "twilio":
        log.warning("SMS_BACKEND is %r, so this was not sent:\nTo: %s\n\n%s",
                    config["SMS_BACKEND"], number, body)
        return True
    return _send_twilio(config, number, body)


def _send_twilio(config, number: str, body: str) -> bool:
    """POST to Twilio's Messages resource; a non-2xx answer or a network error is False."""
    sid, token = config["SMS_TWILIO_ACCOUNT_SID"], config["SMS_TWILIO_AUTH_TOKEN"]
    if not (sid and token and config["SMS_FROM"]):
        log.error("SMS_TWILIO_ACCOUNT_SID, SMS_TWILIO_AUTH_TOKEN and SMS_FROM must be set to send SMS")
        return False
    url = f"{config['SMS_TWILIO_BASE_URL'].rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
    try:
        response = requests.post(
            url, auth=(sid, token), data={"From": config["SMS_FROM"], "To": number, "Body": body},
            timeout=(config["SMS_CONNECT_TIMEOUT_SECONDS"], config["SMS_READ_TIMEOUT_SECONDS"]),
            allow_redirects=False)
    except requests.RequestException as error:
        log.error("could not reach Twilio to send an SMS to %s: %s", number, error)
        return False
    if not 200 <= response.status_code < 300:
        log.error("Twilio refused an SMS to %s: HTTP %s %s", number, response.status_code,
                  response.text[:500])
        return False
    return True
