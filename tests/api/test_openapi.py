"""The OpenAPI document: public, valid, and generated from the schemas that validate requests."""
import pytest
from marshmallow import fields as ma_fields
from openapi_spec_validator import validate

from tracking.api.schemas import ShipmentIn, ShipmentQuery

SPEC_URL = "/api/v1/openapi.json"
PROBLEM_MEDIA_TYPE = "application/problem+json"


@pytest.fixture
def spec(client):
    response = client.get(SPEC_URL)  # no Authorization header: the document is public
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def resolve(spec: dict, node: dict) -> dict:
    """Follow local $refs (also through `anyOf` with null, as nullable nested schemas appear)."""
    while "$ref" in node:
        path = node["$ref"].removeprefix("#/").split("/")
        node = spec
        for part in path:
            node = node[part]
    return node


def required_of(schema) -> set[str]:
    return {name for name, field in schema.fields.items() if field.required}


def nested_schema(schema, name):
    field = schema.fields[name]
    if isinstance(field, ma_fields.List):
        field = field.inner
    return field.schema


def test_document_is_public_and_valid(client, spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    # A bad key does not stop the document either.
    assert client.get(SPEC_URL, headers={"Authorization": "Bearer nonsense"}).status_code == 200


def test_the_four_operations_are_documented(spec):
    paths = spec["paths"]
    assert {"get", "post"} <= paths["/api/v1/shipments"].keys()
    assert "get" in paths["/api/v1/shipments/{shipment_id}"]
    assert "post" in paths["/api/v1/shipments/{shipment_id}/refresh"]
    for path in ("/api/v1/shipments/{shipment_id}", "/api/v1/shipments/{shipment_id}/refresh"):
        parameters = paths[path].get("parameters", [])
        assert any(p["name"] == "shipment_id" and p["in"] == "path" and p["required"]
                   for p in parameters), parameters
    assert "202" in paths["/api/v1/shipments/{shipment_id}/refresh"]["post"]["responses"]
    assert "200" in paths["/api/v1/shipments/{shipment_id}"]["get"]["responses"]


def test_request_body_is_generated_from_the_validating_schema(spec):
    post = spec["paths"]["/api/v1/shipments"]["post"]
    assert post["requestBody"]["required"] is True
    body = resolve(spec, post["requestBody"]["content"]["application/json"]["schema"])

    shipment_in = ShipmentIn()
    assert set(body["required"]) == required_of(shipment_in) == {"tracking_number", "order"}
    assert set(body["properties"]) == set(shipment_in.fields)
    assert body["additionalProperties"] is False  # unknown fields are refused, as documented

    order = resolve(spec, body["properties"]["order"])
    order_in = nested_schema(shipment_in, "order")
    assert set(order["required"]) == required_of(order_in) == {"number"}
    assert set(order["properties"]) == set(order_in.fields)

    item = resolve(spec, resolve(spec, order["properties"]["items"])["items"])
    item_in = nested_schema(order_in, "items")
    assert set(item["required"]) == required_of(item_in) == {"sku", "title"}
    assert item["properties"]["quantity"]["minimum"] == 1
    assert item["properties"]["currency"]["pattern"] == "^[A-Z]{3}$"
    assert item["properties"]["price"]["minimum"] == 0


def test_list_query_parameters_come_from_the_query_schema(spec):
    get = spec["paths"]["/api/v1/shipments"]["get"]
    parameters = {p["name"]: p for p in get["parameters"] if p["in"] == "query"}
    assert set(parameters) == set(ShipmentQuery().fields)
    assert "in_transit" in parameters["status"]["schema"]["enum"]
    assert parameters["limit"]["schema"]["maximum"] == 100


def test_bearer_security_is_documented(spec):
    schemes = spec["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["bearerAuth"].items()
    assert {"bearerAuth": []} in spec["security"]


def test_post_documents_created_existing_conflict_and_invalid(spec):
    responses = spec["paths"]["/api/v1/shipments"]["post"]["responses"]
    assert {"201", "200", "409", "422"} <= responses.keys()
    created = resolve(spec, responses["201"]["content"]["application/json"]["schema"])
    existing = resolve(spec, responses["200"]["content"]["application/json"]["schema"])
    assert created == existing
    assert set(created["properties"]) == {
        "id", "tracking_number", "carrier", "status", "substatus", "estimated_delivery",
        "delivered_at", "tracking_url", "order_number", "events",
    }
    event = resolve(spec, created["properties"]["events"]["items"])
    assert set(event["properties"]) == {
        "occurred_at", "status", "substatus", "description", "location", "carrier_status_code",
    }


@pytest.mark.parametrize("path, method, status", [
    ("/api/v1/shipments", "post", "409"),
    ("/api/v1/shipments", "post", "422"),
    ("/api/v1/shipments", "get", "422"),
    ("/api/v1/shipments/{shipment_id}", "get", "404"),
    ("/api/v1/shipments/{shipment_id}/refresh", "post", "404"),
    ("/api/v1/shipments/{shipment_id}", "get", "default"),
])
def test_errors_are_documented_as_problem_documents(spec, path, method, status):
    response = resolve(spec, spec["paths"][path][method]["responses"][status])
    assert set(response["content"]) == {PROBLEM_MEDIA_TYPE}
    problem = resolve(spec, response["content"][PROBLEM_MEDIA_TYPE]["schema"])
    assert {"type", "title", "status", "detail", "errors"} <= problem["properties"].keys()
    assert {"type", "title", "status"} <= set(problem["required"])
