"""Sending a shipment's tracking link to its customer, by email or SMS."""
import logging
from dataclasses import dataclass

from flask_babel import gettext as _

from .. import mail, sms
from .defaults import CHANNELS
from .render import RenderedMessage, render

log = logging.getLogger("tracking.messages")


@dataclass(frozen=True)
class SendResult:
    ok: bool
    recipient: str | None
    error: str | None  # in the current (agent's) language; None when ok
    message: RenderedMessage | None


def send_tracking_link(shipment, channel: str) -> SendResult:
    """Send the tracking link by `channel` to the order's customer; never raises for a missing
    address or a failing backend (see SendResult.error).

    Email is handed to tracking.mail, which delivers off the request thread: ok means handed over.
    """
    if channel not in CHANNELS:
        return SendResult(False, None, _("Unknown channel: choose SMS or email."), None)
    order = shipment.order
    recipient = ((order.customer_email if channel == "email" else order.customer_phone) or "").strip()
    if not recipient:
        error = (_("This order has no email address for the customer.") if channel == "email"
                 else _("This order has no phone number for the customer."))
        return SendResult(False, None, error, None)
    message = render(shipment, channel)
    if channel == "email":
        try:
            mail.send(recipient, message.subject, message.body)
        except (ValueError, TypeError):  # an address the email library refuses
            log.exception("could not send the tracking link of shipment %s by email", shipment.id)
            return SendResult(False, recipient, _("The email could not be sent: the customer's "
                                                  "address is not valid."), message)
        return SendResult(True, recipient, None, message)
    if not sms.send(recipient, message.body):
        return SendResult(False, recipient, _("The SMS could not be sent. Check the phone number, "
                                              "or try again later."), message)
    return SendResult(True, recipient, None, message)
