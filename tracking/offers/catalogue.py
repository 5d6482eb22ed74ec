"""The product catalogue: one validation for the API and CSV uploads, and a bulk upsert by sku."""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from babel.numbers import list_currencies
from flask_babel import gettext as _, lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ..api.schemas import MAX_PRICE, Text
from ..extensions import db
from ..models import Product
from ..models.merchant import move_page_version
from ..models.types import utcnow

MAX_BATCH = 1000  # products per API request
MAX_TAGS = 20
# Rows per IN (...) list: stays far below every SQLite build's bound-parameter limit.
CHUNK = 500
CURRENCIES = frozenset(list_currencies())
FIELDS = ("sku", "title", "price", "currency", "image_url", "url", "category", "tags",
          "in_stock", "replenish_after_days")

REQUIRED = {"required": _l("This field is required."), "null": _l("This field is required.")}


def _no_control_characters(value: str) -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValidationError(_("Control characters (tabs, line breaks...) are not allowed."))


def _currency(value: str) -> None:
    if value not in CURRENCIES:
        raise ValidationError(_("Use an ISO 4217 currency code in capitals, e.g. USD or EUR."))


def _length(max_length: int, min_length: int | None = None) -> validate.Length:
    return validate.Length(min=min_length, max=max_length,
                           error=_l("Use at most %(max)d characters.", max=max_length)
                           if not min_length else _l("Use 1 to %(max)d characters.", max=max_length))


class WholeNumber(fields.Integer):
    """An integer, from JSON or from a CSV cell's text; 2.5 is refused, not cut to 2."""

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def _web_address() -> Text:
    return Text(allow_none=True, metadata={"format": "uri"}, validate=[
        _length(500), validate.URL(schemes={"http", "https"},
                                   error=_l("Give a full http:// or https:// address."))])


def _as_string_lists(messages: dict) -> None:
    for key, value in messages.items():
        if isinstance(value, dict):
            _as_string_lists(value)
        else:
            messages[key] = [str(m) for m in value] if isinstance(value, list) else [str(value)]


class ProductIn(Schema):
    """One product as the API and CSV uploads give it; omitted optional fields are cleared."""

    sku = Text(required=True, validate=[_length(64, 1), _no_control_characters],
               error_messages=REQUIRED,
               metadata={"description": "The shop's stock-keeping unit, as in orders' line items"})
    title = Text(required=True, validate=[_length(300, 1), _no_control_characters],
                 error_messages=REQUIRED)
    price = fields.Decimal(
        places=2, allow_none=True, validate=validate.Range(
            min=0, max=MAX_PRICE, error=_l("Give a price from 0 to %(max)s.", max=MAX_PRICE)),
        error_messages={"invalid": _l("Give a number such as 12.50."),
                        "special": _l("Give a number such as 12.50.")},
        metadata={"minimum": 0, "maximum": float(MAX_PRICE)})
    currency = Text(allow_none=True, validate=_currency, metadata={"example": "USD"})
    image_url = _web_address()
    url = _web_address()
    category = Text(allow_none=True, validate=[_length(100), _no_control_characters])
    tags = fields.List(Text(validate=[_length(50, 1), _no_control_characters]),
                       load_default=list, validate=validate.Length(
                           max=MAX_TAGS, error=_l("Give at most %(max)d tags.", max=MAX_TAGS)))
    in_stock = fields.Boolean(load_default=True,
                              error_messages={"invalid": _l("Give true or false (yes or no).")})
    replenish_after_days = WholeNumber(
        allow_none=True, validate=validate.Range(
            min=1, max=3650, error=_l("Give a number of days from 1 to 3650.")),
        error_messages={"invalid": _l("Give a whole number of days.")},
        metadata={"description": "For consumables: remind the shopper to buy again after this many days"})

    @pre_load
    def strip_text(self, data, **kwargs):
        """Spreadsheets and shops pad values with spaces; a blank optional value means none."""
        if not isinstance(data, dict):
            return data
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if not value and key not in ("sku", "title"):
                    continue
            cleaned[key] = value
        tags = cleaned.get("tags")
        if isinstance(tags, list):  # each once, in order, without blanks
            tags = [t.strip() if isinstance(t, str) else t for t in tags]
            cleaned["tags"] = list(dict.fromkeys(t for t in tags if t != ""))
        return cleaned

    def handle_error(self, error: ValidationError, data, **kwargs) -> None:
        """Translated field messages arrive lazy; give them as lists of strings like the rest."""
        _as_string_lists(error.messages)

    @validates_schema
    def priced_in_a_currency(self, data, **kwargs):
        if data.get("price") is not None and not data.get("currency"):
            raise ValidationError(_("Give the currency of the price."), "currency")


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0


def duplicate_skus(products: list[dict]) -> dict[int, int]:
    """{index: index of the first product with the same sku} for every repeat in `products`."""
    first, repeats = {}, {}
    for index, product in enumerate(products):
        sku = product["sku"]
        if sku in first:
            repeats[index] = first[sku]
        else:
            first[sku] = index
    return repeats


def chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    """`values` in slices of at most `size`."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _existing_ids(merchant_id: int, skus: list[str]) -> dict[str, int]:
    found = {}
    for part in chunks(skus):
        found.update(db.session.execute(select(Product.sku, Product.id).where(
            Product.merchant_id == merchant_id, Product.sku.in_(part))).all())
    return found


def _write(merchant_id: int, products: list[dict]) -> UpsertResult:
    existing = _existing_ids(merchant_id, [p["sku"] for p in products])
    now = utcnow()
    move_page_version(merchant_id, now)  # a change of stock or price shows on cached pages at once
    new_rows, changed_rows = [], []
    for product in products:
        row = {name: product.get(name) for name in FIELDS}
        row["tags"] = row["tags"] or []
        row["in_stock"] = True if row["in_stock"] is None else row["in_stock"]
        row["updated_at"] = now
        if product["sku"] in existing:
            changed_rows.append({**row, "id": existing[product["sku"]]})
        else:
            new_rows.append({**row, "merchant_id": merchant_id, "created_at": now})
    for part in chunks(new_rows):
        db.session.execute(insert(Product), part)
    for part in chunks(changed_rows):
        db.session.execute(update(Product), part)  # ORM bulk UPDATE by primary key
    return UpsertResult(created=len(new_rows), updated=len(changed_rows))


def upsert(merchant_id: int, products: Iterable[dict]) -> UpsertResult:
    """Create or replace the merchant's products by sku (validated dicts, skus unique) and commit.

    One query finds the skus that exist, then one bulk INSERT and one bulk UPDATE. Should a
    concurrent upload insert one of the same skus first, the unique constraint refuses ours and
    the whole batch is written again, now as updates: nothing is lost or doubled.
    """
    products = list(products)
    try:
        result = _write(merchant_id, products)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        result = _write(merchant_id, products)
        db.session.commit()
    return result
