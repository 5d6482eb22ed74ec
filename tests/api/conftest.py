"""Helpers for the REST API tests: a valid registration body and a problem+json checker."""
import copy

import pytest

PROBLEM_MEMBERS = {"type", "title", "status", "detail"}


@pytest.fixture
def shipment_body():
    """A complete, valid POST /api/v1/shipments body; pass overrides for top-level members."""
    base = {
        "tracking_number": "DEMOONTIME1",
        "carrier": "demo",
        "order": {
            "number": "1001",
            "placed_at": "2024-11-20T10:15:00-05:00",
            "customer": {"email": "shopper@example.com", "phone": "+1 555 0100", "name": "Ada Shopper"},
            "items": [
                {"sku": "MUG-1", "title": "Blue mug", "quantity": 2, "price": "12.50",
                 "currency": "USD", "image_url": "https://cdn.acme.test/mug.png",
                 "product_url": "https://acme.test/p/mug", "category": "Kitchen"},
            ],
        },
        "destination": {"city": "Portland", "region": "OR", "postal_code": "97205", "country": "US"},
        "locale": "en",
    }

    def make(**overrides):
        body = copy.deepcopy(base)
        body.update(overrides)
        return body
    return make


@pytest.fixture
def assert_problem():
    """Check that a response is an RFC 9457 problem document with this status; returns its body."""
    def check(response, status: int) -> dict:
        assert response.status_code == status, response.get_data(as_text=True)
        assert response.mimetype == "application/problem+json"
        body = response.get_json(force=True)
        assert PROBLEM_MEMBERS <= body.keys(), body
        assert body["status"] == status
        assert isinstance(body["title"], str) and body["title"]
        assert isinstance(body["detail"], str) and body["detail"]
        assert isinstance(body["type"], str) and body["type"].startswith(("https://", "about:blank"))
        return body
    return check


@pytest.fixture
def error_fields():
    """The `errors[].field` names of a validation problem."""
    def fields(body: dict) -> set[str]:
        assert isinstance(body.get("errors"), list) and body["errors"], body
        for error in body["errors"]:
            assert error.keys() >= {"field", "message"} and error["message"], error
        return {error["field"] for error in body["errors"]}
    return fields
