"""Rendering the message for a shipment: its language, the merchant's template or the default."""
import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from ..extensions import db
from ..i18n import supported
from ..models import MessageTemplate
from ..pages import carrier_name
from ..pages.branding import offered_locales
from ..pages.view import eta_text
from ..pages.wording import headline
from ..shipments import tracking_url
from .defaults import CHANNELS, default_texts
from .placeholders import fill, one_line
from .rules import template_problems

log = logging.getLogger("tracking.messages")
# A filled subject is cut here: the template is checked, but a customer's name can be long.
FILLED_SUBJECT_MAX = 200


@dataclass(frozen=True)
class RenderedMessage:
    channel: str
    locale: str
    subject: str | None  # None for SMS
    body: str


def message_locale(shipment, locale: str | None = None) -> str:
    """`locale` when given (ValueError unless configured), else the first the merchant offers of
    the shipment's, the order's and the merchant's default language."""
    languages = current_app.config["LANGUAGES"]
    if locale is not None:
        chosen = supported(locale)
        if chosen is None:
            raise ValueError(f"locale {locale!r} is not one of {languages}")
        return chosen
    offered = offered_locales(shipment.merchant, languages)
    order = getattr(shipment, "order", None)
    for wanted in (shipment.locale, getattr(order, "locale", None), shipment.merchant.default_locale):
        chosen = supported(wanted)
        if chosen in offered:
            return chosen
    return offered[0]


def saved_template(merchant_id: int, channel: str, locale: str) -> MessageTemplate | None:
    """The merchant's own template for (channel, locale), if it wrote one."""
    return db.session.scalar(select(MessageTemplate).filter_by(
        merchant_id=merchant_id, channel=channel, locale=locale))


def values_for(shipment) -> dict[str, str]:
    """Each placeholder's value for `shipment`, in the current locale, each on one line."""
    order = shipment.order
    name = one_line(getattr(order, "customer_name", None))
    return {
        "customer_name": name,
        "first_name": name.split(" ")[0] if name else "",
        "shop_name": one_line(shipment.merchant.name),
        "order_number": one_line(order.number),
        "tracking_link": tracking_url(shipment),
        "carrier": one_line(carrier_name(shipment.carrier)),
        "status": one_line(headline(shipment.status, shipment.substatus)),
        "eta": one_line(eta_text(shipment)),
    }


def fill_message(shipment, channel: str, locale: str, subject: str | None = None,
                 body: str | None = None) -> RenderedMessage:
    """The message for `shipment` from `subject` and `body` (already valid), or from the
    built-in texts when `body` is None, with values in `locale`."""
    with force_locale(locale):
        if body is None:
            subject, body = default_texts(channel, locale)
        values = values_for(shipment)
        filled_subject = None
        if channel == "email":
            filled_subject = one_line(fill(subject or "", values))[:FILLED_SUBJECT_MAX]
        return RenderedMessage(channel, locale, filled_subject, fill(body.replace("\r\n", "\n"), values))


def render(shipment, channel: str, locale: str | None = None) -> RenderedMessage:
    """The merchant's message for `shipment` on `channel` ("sms" or "email"), or the default.

    ValueError for an unknown channel or an unconfigured `locale`. Works in a request or in
    a bare app context.
    """
    if channel not in CHANNELS:
        raise ValueError(f"channel {channel!r} is not one of {CHANNELS}")
    locale = message_locale(shipment, locale)
    template = saved_template(shipment.merchant_id, channel, locale)
    if template is not None:
        with force_locale(locale):
            broken = template_problems(channel, template.subject, template.body, shipment.merchant)
        if not broken:
            return fill_message(shipment, channel, locale, template.subject, template.body)
        log.error("merchant %s's %s template (%s) no longer passes the checks, so the default was "
                  "used: %s", shipment.merchant_id, channel, locale, broken)
    return fill_message(shipment, channel, locale)
