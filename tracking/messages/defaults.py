"""The built-in SMS and email texts, in every offered language through the translation catalogs."""
import logging

from flask import current_app
from flask_babel import force_locale, lazy_gettext as _l

from .placeholders import problems

log = logging.getLogger("tracking.messages")

CHANNELS = ("sms", "email")

# (subject, body) per channel; the subject is None for SMS. Translations must keep every
# {placeholder} exactly as written (the names are not translated): a translation that breaks one
# is set aside for the default language's text.
DEFAULT_TEXTS = {
    "sms": (None, _l("{shop_name}: follow your order {order_number} here: {tracking_link}")),
    "email": (
        _l("Track your {shop_name} order {order_number}"),
        _l("Hello,\n\n"
           "Your order {order_number} from {shop_name} is travelling with {carrier}.\n"
           "Current status: {status}\n\n"
           "Follow your parcel here:\n{tracking_link}\n\n"
           "Thank you for your order,\n{shop_name}"),
    ),
}


def _texts(channel: str, locale: str) -> tuple[str | None, str]:
    subject, body = DEFAULT_TEXTS[channel]
    with force_locale(locale):
        return (str(subject) if subject is not None else None), str(body)


def default_texts(channel: str, locale: str) -> tuple[str | None, str]:
    """The built-in (subject, body) for `channel` in `locale`, placeholders still unfilled."""
    subject, body = _texts(channel, locale)
    if not problems(body, required=True) and not (subject is not None and problems(subject)):
        return subject, body
    fallback = current_app.config["BABEL_DEFAULT_LOCALE"]
    log.error("the %s translation of the default %s message breaks its placeholders; "
              "using the %s text", locale, channel, fallback)
    return _texts(channel, fallback)
