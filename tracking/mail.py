"""Outgoing mail: SMTP when MAIL_SERVER is set, else the log; recent messages kept in memory."""
import logging
import smtplib
import ssl
import threading
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import Flask, current_app

log = logging.getLogger("tracking.mail")
OUTBOX_SIZE = 50


def init_app(app: Flask) -> None:
    """Give the app its outbox: the last OUTBOX_SIZE messages, newest last (tests read it)."""
    app.extensions.setdefault("outbox", [])


def send(to: str, subject: str, body: str) -> threading.Thread | None:
    """Send a plain-text message; returns the delivery thread, or None when only logged.

    Delivery runs off the request thread, so a page answers as fast whether or not it sends
    mail (a password-reset form must not reveal which addresses have accounts) and a slow
    SMTP server never holds a web worker. Failures are logged, never raised.
    """
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    # A domain of our own: without one, make_msgid asks DNS for this host's name.
    domain = parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    outbox = current_app.extensions.setdefault("outbox", [])
    outbox.append(message)
    del outbox[:-OUTBOX_SIZE]
    if not config["MAIL_SERVER"]:
        log.warning("MAIL_SERVER is not set, so this was not sent:\nTo: %s\nSubject: %s\n\n%s",
                    to, subject, body)
        return None
    settings = {key: config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_SECURITY",
                                             "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_TIMEOUT")}
    thread = threading.Thread(target=deliver, args=(settings, message), name="mail", daemon=True)
    thread.start()
    return thread


def deliver(settings: dict, message: EmailMessage) -> bool:
    """Hand `message` to the SMTP server described by `settings`; True when it was accepted."""
    security = (settings["MAIL_SECURITY"] or "none").lower()
    host, port, timeout = settings["MAIL_SERVER"], settings["MAIL_PORT"], settings["MAIL_TIMEOUT"]
    try:
        if security == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings["MAIL_USERNAME"]:
                smtp.login(settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException):
        log.exception("could not send %r to %s through %s:%s", message["Subject"], message["To"],
                      host, port)
        return False
