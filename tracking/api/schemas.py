"""API v1 schemas: they validate requests and generate the OpenAPI document."""
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates

from ..status import STATUSES

_short = validate.Length(max=200)


def _http_url():
    return fields.Url(schemes={"http", "https"}, validate=validate.Length(max=500))


class CustomerIn(Schema):
    email = fields.Email(validate=validate.Length(max=254))
    phone = fields.String(validate=validate.Length(max=40))
    name = fields.String(validate=_short)


class ItemIn(Schema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000))
    price = fields.Decimal(places=2, as_string=True, validate=validate.Range(min=0))
    currency = fields.String(validate=validate.Regexp(r"^[A-Z]{3}$", error="Use an ISO 4217 code."))
    image_url = _http_url()
    product_url = _http_url()
    category = fields.String(validate=validate.Length(max=100))


class OrderIn(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    placed_at = fields.AwareDateTime()
    customer = fields.Nested(CustomerIn, load_default=dict)
    items = fields.List(fields.Nested(ItemIn), load_default=list, validate=validate.Length(max=200))


class Destination(Schema):
    city = fields.String(validate=validate.Length(max=100), allow_none=True)
    region = fields.String(validate=validate.Length(max=100), allow_none=True)
    postal_code = fields.String(validate=validate.Length(max=20), allow_none=True)
    country = fields.String(validate=validate.Regexp(r"^[A-Z]{2}$", error="Use an ISO 3166-1 alpha-2 code."),
                            allow_none=True)


class ShipmentIn(Schema):
    tracking_number = fields.String(required=True, validate=validate.Length(min=4, max=64))
    carrier = fields.String(validate=validate.Length(min=1, max=40))
    order = fields.Nested(OrderIn, required=True)
    destination = fields.Nested(Destination)
    locale = fields.String(validate=validate.Length(max=10))

    @pre_load
    def normalise_number(self, data, **kwargs):
        """Shops paste numbers with spaces and lower case: store them the carrier's way."""
        if isinstance(data, dict) and isinstance(data.get("tracking_number"), str):
            data = dict(data, tracking_number="".join(data["tracking_number"].split()).upper())
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


class ShipmentQuery(Schema):
    tracking_number = fields.String(validate=validate.Length(max=64))
    order_number = fields.String(validate=validate.Length(max=64))
    status = fields.String(validate=validate.OneOf(STATUSES))
    cursor = fields.String(validate=validate.Length(max=100))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
