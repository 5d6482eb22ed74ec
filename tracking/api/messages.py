"""REST API v1: the SMS or email text for a shipment, so a shop can send the tracking link itself."""
from flask import current_app
from marshmallow import Schema, fields, validate

from ..i18n import supported
from ..messages import CHANNELS, render
from .problems import Problem
from .routes import own_shipment, blp
from .schemas import Text


class MessagePath(Schema):
    shipment_id = fields.Integer(required=True)
    channel = Text(required=True, validate=validate.OneOf(CHANNELS),
                   metadata={"description": "`sms` or `email`"})


class MessageQuery(Schema):
    locale = Text(validate=validate.Length(min=1, max=10), metadata={
        "description": "A language this service offers (`es`, `pt_BR`, `pt-BR`); by default the "
                       "shipment's, else the order's, else the shop's default language."})


class MessageOut(Schema):
    channel = fields.String(metadata={"enum": list(CHANNELS)})
    locale = fields.String(metadata={"description": "The language the text is in, e.g. `pt_BR`"})
    subject = fields.String(allow_none=True, metadata={"description": "Email only; null for SMS"})
    body = fields.String(metadata={"description": "Plain text with the tracking link filled in"})


@blp.route("/shipments/<int:shipment_id>/messages/<channel>")
@blp.arguments(MessagePath, location="path", as_kwargs=True)
@blp.arguments(MessageQuery, location="query", as_kwargs=True)
@blp.response(200, MessageOut)
@blp.alt_response(404, response="NOT_FOUND")
def shipment_message(shipment_id, channel, locale=None):
    """The shop's SMS or email text for this shipment, with its tracking link, ready to send."""
    shipment = own_shipment(shipment_id)
    if locale is not None and supported(locale) is None:
        raise Problem(422, "Unprocessable Content", f"Locale {locale!r} is not offered here.",
                      errors=[{"field": "locale", "message": "Unknown locale."}],
                      locales=list(current_app.config["LANGUAGES"]))
    message = render(shipment, channel, locale)
    return {"channel": message.channel, "locale": message.locale, "subject": message.subject,
            "body": message.body}
