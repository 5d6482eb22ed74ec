"""API v1 schemas: they validate requests and generate the OpenAPI document."""
from datetime import datetime, timezone
from decimal import Decimal

from marshmallow import INCLUDE, Schema, ValidationError, fields, pre_load, validate, validates

from ..status import STATUSES

_short = validate.Length(max=200)
# What the columns hold: NUMERIC(12, 2) prices, and instants that stay in range in UTC.
MAX_PRICE = Decimal("9999999999.99")
_plausible_instant = validate.Range(
    min=datetime(1970, 1, 1, tzinfo=timezone.utc), max=datetime(2200, 1, 1, tzinfo=timezone.utc),
    error="Give a time between 1970 and 2200.",
)


def normalise_number(value: str) -> str:
    """Shops paste numbers with spaces and lower case: store and search them the carrier's way."""
    return "".join(value.split()).upper()


class Text(fields.String):
    """A string every database stores: PostgreSQL refuses NUL characters, so they are invalid."""

    default_error_messages = {"nul": "NUL characters are not allowed."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        return text


class Url(Text, fields.Url):
    """A URL; like all Text, refused when it holds a NUL character."""


def _http_url():
    return Url(schemes={"http", "https"}, validate=validate.Length(max=500))


class CustomerIn(Schema):
    email = fields.Email(validate=validate.Length(max=254))
    phone = Text(validate=validate.Length(max=40))
    name = Text(validate=_short)


class ItemIn(Schema):
    sku = Text(required=True, validate=validate.Length(min=1, max=64))
    title = Text(required=True, validate=validate.Length(min=1, max=300))
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000))
    price = fields.Decimal(places=2, validate=validate.Range(min=0, max=MAX_PRICE),
                           metadata={"minimum": 0, "maximum": float(MAX_PRICE)})
    currency = Text(validate=validate.Regexp(r"^[A-Z]{3}$", error="Use an ISO 4217 code."))
    image_url = _http_url()
    product_url = _http_url()
    category = Text(validate=validate.Length(max=100))


class OrderIn(Schema):
    number = Text(required=True, validate=validate.Length(min=1, max=64))
    placed_at = fields.AwareDateTime(validate=_plausible_instant)
    customer = fields.Nested(CustomerIn, load_default=dict)
    items = fields.List(fields.Nested(ItemIn), load_default=list, validate=validate.Length(max=200))


class Destination(Schema):
    city = Text(validate=validate.Length(max=100), allow_none=True)
    region = Text(validate=validate.Length(max=100), allow_none=True)
    postal_code = Text(validate=validate.Length(max=20), allow_none=True)
    country = Text(validate=validate.Regexp(r"^[A-Z]{2}$", error="Use an ISO 3166-1 alpha-2 code."),
                   allow_none=True)


class ShipmentIn(Schema):
    tracking_number = Text(required=True, validate=validate.Length(min=4, max=64))
    carrier = Text(validate=validate.Length(min=1, max=40))
    order = fields.Nested(OrderIn, required=True)
    destination = fields.Nested(Destination)
    locale = Text(validate=validate.Length(max=10))

    @pre_load
    def clean_number(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("tracking_number"), str):
            data = dict(data, tracking_number=normalise_number(data["tracking_number"]))
        return data

    @validates("tracking_number")
    def alphanumeric(self, value, **kwargs):
        if not value.isalnum() or not value.isascii():
            raise ValidationError("Letters and digits only.")


class Location(Schema):
    city = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    country = fields.String(allow_none=True)


class EventOut(Schema):
    occurred_at = fields.String(metadata={"description": "ISO 8601 local time, with offset when known"})
    status = fields.String(metadata={"enum": list(STATUSES)})
    substatus = fields.String(allow_none=True)
    description = fields.String()
    location = fields.Nested(Location)
    carrier_status_code = fields.String(allow_none=True)


class Window(Schema):
    earliest = fields.AwareDateTime(allow_none=True)
    latest = fields.AwareDateTime(allow_none=True)


class ShipmentSummary(Schema):
    id = fields.Integer()
    tracking_number = fields.String()
    carrier = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    substatus = fields.String(allow_none=True)
    estimated_delivery = fields.Nested(Window, allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    tracking_url = fields.String()
    order_number = fields.String()


class ShipmentOut(ShipmentSummary):
    events = fields.List(fields.Nested(EventOut))


class ShipmentPage(Schema):
    data = fields.List(fields.Nested(ShipmentSummary))
    next_cursor = fields.String(allow_none=True)


class FieldError(Schema):
    field = fields.String(metadata={"description": "Dotted path of the field, e.g. order.items.0.sku"})
    message = fields.String()


class ProblemOut(Schema):
    """RFC 9457 problem document; some add members, e.g. `candidates` or `shipment_id`."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Nested(FieldError))


class ShipmentQuery(Schema):
    tracking_number = Text(validate=validate.Length(max=64))
    order_number = Text(validate=validate.Length(max=64))
    status = Text(validate=validate.OneOf(STATUSES))
    cursor = Text(validate=validate.Length(max=100))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
