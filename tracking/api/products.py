"""REST API v1: the merchant's product catalogue, upserted in bulk and listed with a cursor."""
from functools import wraps

from flask import current_app, g, request
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from ..models import Product
from ..offers.catalogue import MAX_BATCH, ProductIn, duplicate_skus, upsert
from .pagination import page_of
from .routes import blp
from .schemas import Text


class ProductBatchIn(Schema):
    products = fields.List(fields.Nested(ProductIn), required=True, validate=validate.Length(
        min=1, max=MAX_BATCH, error=f"Send 1 to {MAX_BATCH} products per request."))

    @validates_schema  # after the fields, so only when every product is valid
    def skus_once(self, data, **kwargs):
        repeats = duplicate_skus(data["products"])
        if repeats:
            raise ValidationError({"products": {
                index: {"sku": [f"The same sku as products.{first}."]}
                for index, first in repeats.items()}})


class ProductOut(Schema):
    id = fields.Integer()
    sku = fields.String()
    title = fields.String()
    price = fields.Decimal(places=2, as_string=True, allow_none=True)
    currency = fields.String(allow_none=True)
    image_url = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    tags = fields.List(fields.String())
    in_stock = fields.Boolean()
    replenish_after_days = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class UpsertOut(Schema):
    created = fields.Integer(metadata={"description": "Products new to the catalogue"})
    updated = fields.Integer(metadata={"description": "Existing skus whose fields were replaced"})


class ProductPage(Schema):
    data = fields.List(fields.Nested(ProductOut))
    next_cursor = fields.String(allow_none=True)


class ProductQuery(Schema):
    sku = Text(validate=validate.Length(max=64))
    category = Text(validate=validate.Length(max=100))
    in_stock = fields.Boolean()
    cursor = Text(validate=validate.Length(max=100))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


def larger_body(view):
    """Allow PRODUCTS_API_MAX_BYTES for this view's body, before the body is parsed."""
    @wraps(view)
    def allowing(*args, **kwargs):
        request.max_content_length = current_app.config["PRODUCTS_API_MAX_BYTES"]
        return view(*args, **kwargs)
    return allowing


@blp.route("/products")
class Products(MethodView):
    @blp.arguments(ProductQuery, location="query")
    @blp.response(200, ProductPage)
    def get(self, args):
        """List the merchant's products, newest first, with filters and a cursor."""
        query = select(Product).where(Product.merchant_id == g.merchant.id)
        for name in ("sku", "category", "in_stock"):
            if name in args:
                query = query.where(getattr(Product, name) == args[name])
        page, next_cursor = page_of(query, Product.id, args)
        return {"data": page, "next_cursor": next_cursor}

    @larger_body
    @blp.arguments(ProductBatchIn)
    @blp.response(200, UpsertOut)
    def post(self, data):
        """Create or replace products by sku, up to 1000 per request, all or none.

        Each product is given whole: an optional field left out is cleared. Any invalid
        product refuses the batch with `errors[].field` such as `products.3.price`.
        """
        result = upsert(g.merchant.id, data["products"])
        return {"created": result.created, "updated": result.updated}
