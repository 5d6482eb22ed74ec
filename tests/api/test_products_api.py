"""POST/GET /api/v1/products: bulk upsert by sku, validation per item, cursor pages, isolation."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tracking.extensions import db
from tracking.models import ApiKey, Product

URL = "/api/v1/products"


def product(sku="BEANS-1", **fields):
    return {"sku": sku, "title": "House beans 1 kg", "price": "24.90", "currency": "EUR",
            "image_url": "https://cdn.shop.test/beans.png", "url": "https://shop.test/p/beans",
            "category": "coffee", "tags": ["organic", "whole bean"], "in_stock": True,
            "replenish_after_days": 30, **fields}


def count() -> int:
    return db.session.scalar(select(func.count(Product.id)))


def test_creates_then_replaces_by_sku(client, api_headers, merchant):
    response = client.post(URL, json={"products": [product(), product("FILTERS-100", title="Filters")]},
                           headers=api_headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 2, "updated": 0}
    response = client.post(URL, json={"products": [
        {"sku": "BEANS-1", "title": "House beans, 1 kg", "in_stock": False}, product("MUG")]},
        headers=api_headers)
    assert response.get_json() == {"created": 1, "updated": 1}
    beans = db.session.scalar(select(Product).filter_by(sku="BEANS-1"))
    db.session.refresh(beans)
    # Given whole: what the update left out is cleared.
    assert (beans.title, beans.in_stock, beans.price, beans.tags, beans.url) == \
        ("House beans, 1 kg", False, None, [], None)
    assert beans.merchant_id == merchant.id and count() == 3


def test_stored_values_are_normalised(client, api_headers):
    client.post(URL, json={"products": [product(sku="  A-1 ", price="3.5", tags=["x", " x ", "y", ""])]},
                headers=api_headers)
    stored = db.session.scalar(select(Product))
    assert (stored.sku, stored.price, stored.tags) == ("A-1", Decimal("3.50"), ["x", "y"])


@pytest.mark.parametrize("field,value", [
    ("sku", ""), ("sku", "x" * 65), ("sku", None), ("sku", "a\x00b"), ("sku", "tab\there"), ("sku", 12),
    ("title", ""), ("title", "t" * 301), ("title", None),
    ("price", "-0.01"), ("price", "abc"), ("price", "NaN"), ("price", "Infinity"), ("price", "1e12"),
    ("currency", "eur"), ("currency", "EURO"), ("currency", "XYZ"), ("currency", 978),
    ("image_url", "javascript:alert(1)"), ("image_url", "ftp://cdn.shop.test/x.png"),
    ("image_url", "//cdn.shop.test/x.png"), ("url", "data:text/html,<script>"),
    ("url", "https://shop.test/" + "p" * 500),
    ("category", "c" * 101), ("tags", "organic"), ("tags", [f"t{n}" for n in range(21)]), ("tags", ["t" * 51]),
    ("in_stock", "maybe"), ("replenish_after_days", 0), ("replenish_after_days", 3651),
    ("replenish_after_days", 2.5), ("unexpected", 1),
], ids=repr)
def test_each_field_is_validated_with_its_path(client, api_headers, assert_problem, error_fields,
                                               field, value):
    bad = product("BAD")
    bad[field] = value
    body = {"products": [product("GOOD"), bad]}
    body = assert_problem(client.post(URL, json=body, headers=api_headers), 422)
    assert {name.rsplit(".", 1)[0] if name.startswith("products.1.tags.") else name
            for name in error_fields(body)} == {f"products.1.{field}"}
    assert count() == 0  # all or nothing: the valid item is not written either


def test_price_needs_a_currency(client, api_headers, assert_problem, error_fields):
    body = assert_problem(client.post(URL, json={"products": [product(currency=None)]},
                                      headers=api_headers), 422)
    assert error_fields(body) == {"products.0.currency"}


def test_a_sku_twice_in_one_batch_is_refused(client, api_headers, assert_problem, error_fields):
    body = {"products": [product("A"), product("B"), product("A")]}
    body = assert_problem(client.post(URL, json=body, headers=api_headers), 422)
    assert error_fields(body) == {"products.2.sku"}


@pytest.mark.parametrize("body", [{}, {"products": []}, {"products": "x"}, {"products": [1]}, [product()]],
                         ids=repr)
def test_malformed_batches(client, api_headers, assert_problem, body):
    assert_problem(client.post(URL, json=body, headers=api_headers), 422)


def test_oversized_batches(client, api_headers, assert_problem, error_fields):
    body = {"products": [product(f"SKU-{n}") for n in range(1001)]}
    assert error_fields(assert_problem(client.post(URL, json=body, headers=api_headers), 422)) == {"products"}
    body["products"].pop()
    response = client.post(URL, json=body, headers=api_headers)  # 1000 rich products: over 1 MB
    assert response.get_json() == {"created": 1000, "updated": 0}
    assert count() == 1000


def test_a_body_over_the_limit_is_413(app, client, api_headers, assert_problem):
    app.config["PRODUCTS_API_MAX_BYTES"] = 10_000
    body = {"products": [product(f"SKU-{n}") for n in range(50)]}
    assert_problem(client.post(URL, json=body, headers=api_headers), 413)
    assert count() == 0


def test_list_pages_with_a_cursor_and_filters(client, api_headers):
    client.post(URL, json={"products": [product(f"P{n}", in_stock=n % 2 == 0,
                                                category="odd" if n % 2 else "even")
                                        for n in range(5)]}, headers=api_headers)
    first = client.get(URL + "?limit=2", headers=api_headers).get_json()
    assert [p["sku"] for p in first["data"]] == ["P4", "P3"]
    assert first["data"][0]["price"] == "24.90" and first["data"][0]["tags"] == ["organic", "whole bean"]
    second = client.get(f"{URL}?limit=2&cursor={first['next_cursor']}", headers=api_headers).get_json()
    third = client.get(f"{URL}?limit=2&cursor={second['next_cursor']}", headers=api_headers).get_json()
    assert [p["sku"] for p in second["data"] + third["data"]] == ["P2", "P1", "P0"]
    assert third["next_cursor"] is None
    assert [p["sku"] for p in client.get(URL + "?in_stock=false", headers=api_headers).get_json()["data"]] \
        == ["P3", "P1"]
    assert [p["sku"] for p in client.get(URL + "?category=even&sku=P2", headers=api_headers).get_json()["data"]] \
        == ["P2"]


def test_a_forged_cursor_is_refused(client, api_headers, assert_problem):
    assert_problem(client.get(URL + "?cursor=bm9wZQ", headers=api_headers), 422)


def test_merchants_only_see_and_change_their_own(client, api_headers, make_merchant):
    other = make_merchant("bravo")
    _, raw = ApiKey.issue(other, "bravo")
    db.session.commit()
    theirs = {"Authorization": f"Bearer {raw}"}
    client.post(URL, json={"products": [product("SAME", title="Acme's")]}, headers=api_headers)
    response = client.post(URL, json={"products": [product("SAME", title="Bravo's")]}, headers=theirs)
    assert response.get_json() == {"created": 1, "updated": 0}
    assert [p["title"] for p in client.get(URL, headers=api_headers).get_json()["data"]] == ["Acme's"]
    assert [p["title"] for p in client.get(URL, headers=theirs).get_json()["data"]] == ["Bravo's"]


def test_needs_a_key_and_json(client, api_headers, assert_problem):
    assert_problem(client.post(URL, json={"products": [product()]}), 401)
    assert_problem(client.post(URL, data="sku=x", headers={**api_headers,
                               "Content-Type": "application/x-www-form-urlencoded"}), 415)


def test_documented_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/api/v1/products"]["post"]
    assert "requestBody" in post and "200" in post["responses"]
    props = spec["components"]["schemas"]["ProductIn"]["properties"]
    assert {"sku", "title", "price", "currency", "tags", "in_stock", "replenish_after_days"} <= props.keys()
    assert "get" in spec["paths"]["/api/v1/products"]
