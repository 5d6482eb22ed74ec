"""REST API v1 shipments: register, list, read and refresh, as DESIGN.md's contract states."""
import base64
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from tracking import shipments as registry
from tracking.carriers.base import CarrierEvent, Location, TrackResult
from tracking.extensions import db
from tracking.models import ApiKey, LineItem, Order, Shipment
from tracking.models.types import utcnow
from tracking.polling.poller import drain, poll_due
from tracking.timeline import merge

URL = "/api/v1/shipments"
SHIPMENT_KEYS = {
    "id", "tracking_number", "carrier", "status", "substatus", "estimated_delivery",
    "delivered_at", "tracking_url", "order_number", "events",
}
EVENT_KEYS = {"occurred_at", "status", "substatus", "description", "location", "carrier_status_code"}
LOCATION_KEYS = {"city", "region", "postal_code", "country"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def headers_for(merchant) -> dict:
    _, raw = ApiKey.issue(merchant, "other")
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def parse_instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, value
    return moment


# --- POST /api/v1/shipments -------------------------------------------------------------------


def test_create_answers_201_with_the_full_shipment(client, api_headers, merchant, shipment_body):
    response = client.post(URL, json=shipment_body(), headers=api_headers)

    assert response.status_code == 201
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == SHIPMENT_KEYS
    shipment = db.session.get(Shipment, body["id"])
    assert body == {
        "id": shipment.id,
        "tracking_number": "DEMOONTIME1",
        "carrier": "demo",
        "status": "pending",
        "substatus": None,
        "estimated_delivery": None,
        "delivered_at": None,
        "tracking_url": f"https://track.test/t/{shipment.public_token}",
        "order_number": "1001",
        "events": [],
    }
    assert len(shipment.public_token) >= 20


def test_create_stores_order_items_customer_and_destination(client, api_headers, merchant,
                                                            shipment_body):
    response = client.post(URL, json=shipment_body(), headers=api_headers)
    assert response.status_code == 201

    shipment = db.session.get(Shipment, response.get_json()["id"])
    assert shipment.merchant_id == merchant.id
    assert (shipment.destination_city, shipment.destination_region,
            shipment.destination_postal_code, shipment.destination_country) == (
        "Portland", "OR", "97205", "US")
    assert shipment.locale == "en"
    assert shipment.next_poll_at is not None and shipment.next_poll_at <= utcnow()
    order = shipment.order
    assert (order.merchant_id, order.number) == (merchant.id, "1001")
    assert order.placed_at == datetime(2024, 11, 20, 15, 15, tzinfo=timezone.utc)
    assert (order.customer_email, order.customer_phone, order.customer_name) == (
        "shopper@example.com", "+1 555 0100", "Ada Shopper")
    [item] = order.items
    assert (item.sku, item.title, item.quantity, item.price, item.currency) == (
        "MUG-1", "Blue mug", 2, Decimal("12.50"), "USD")
    assert (item.image_url, item.product_url, item.category) == (
        "https://cdn.acme.test/mug.png", "https://acme.test/p/mug", "Kitchen")


def test_minimal_body_is_enough(client, api_headers):
    response = client.post(URL, json={"tracking_number": "DEMO0001", "order": {"number": "7"}},
                           headers=api_headers)
    assert response.status_code == 201
    shipment = db.session.get(Shipment, response.get_json()["id"])
    assert shipment.order.items == []
    assert shipment.order.customer_email is None


def test_repeat_answers_200_with_the_same_shipment_and_no_second_row(client, api_headers,
                                                                     shipment_body):
    first = client.post(URL, json=shipment_body(), headers=api_headers)
    again = client.post(URL, json=shipment_body(), headers=api_headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert (count(Shipment), count(Order), count(LineItem)) == (1, 1, 1)


def test_same_number_under_another_order_number_is_a_conflict(client, api_headers, shipment_body,
                                                              assert_problem):
    created = client.post(URL, json=shipment_body(), headers=api_headers).get_json()
    other = shipment_body()
    other["order"]["number"] = "2002"

    problem = assert_problem(client.post(URL, json=other, headers=api_headers), 409)

    assert problem["shipment_id"] == created["id"]
    assert count(Shipment) == 1
    assert db.session.scalars(select(Order.number)).all() == ["1001"]


def test_number_is_normalised_before_storing_and_matching(client, api_headers, shipment_body):
    created = client.post(URL, json=shipment_body(tracking_number="  demo ontime\t1 "),
                          headers=api_headers)
    assert created.status_code == 201
    assert created.get_json()["tracking_number"] == "DEMOONTIME1"

    again = client.post(URL, json=shipment_body(tracking_number="DEMOONTIME1"), headers=api_headers)
    assert again.status_code == 200
    assert again.get_json()["id"] == created.get_json()["id"]
    assert db.session.scalars(select(Shipment.tracking_number)).all() == ["DEMOONTIME1"]


def test_carrier_is_detected_from_the_number_when_omitted(client, api_headers, shipment_body):
    body = shipment_body(tracking_number="demo123456")
    del body["carrier"]
    response = client.post(URL, json=body, headers=api_headers)
    assert response.status_code == 201
    assert response.get_json()["carrier"] == "demo"


def test_named_carrier_is_case_insensitive(client, api_headers, shipment_body):
    response = client.post(URL, json=shipment_body(tracking_number="1Z999AA10123456784",
                                                   carrier=" DEMO "), headers=api_headers)
    assert response.status_code == 201
    assert response.get_json()["carrier"] == "demo"


def test_undetectable_number_without_carrier_is_422_with_candidates(client, api_headers,
                                                                    shipment_body, assert_problem,
                                                                    error_fields):
    body = shipment_body(tracking_number="ZZ123456789")
    del body["carrier"]
    problem = assert_problem(client.post(URL, json=body, headers=api_headers), 422)
    assert problem["candidates"] == []
    assert error_fields(problem) == {"carrier"}
    assert count(Shipment) == 0


def test_unknown_carrier_is_422(client, api_headers, shipment_body, assert_problem, error_fields):
    problem = assert_problem(
        client.post(URL, json=shipment_body(carrier="pigeon"), headers=api_headers), 422)
    assert error_fields(problem) == {"carrier"}
    assert "demo" in problem["carriers"]
    assert count(Shipment) == 0


def _without(body, *path):
    target = body
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return body


def _with(body, value, *path):
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


@pytest.mark.parametrize("change, field", [
    (lambda b: _without(b, "order"), "order"),
    (lambda b: _without(b, "tracking_number"), "tracking_number"),
    (lambda b: _without(b, "order", "number"), "order.number"),
    (lambda b: _with(b, "not-an-email", "order", "customer", "email"), "order.customer.email"),
    (lambda b: _with(b, 1, "surprise"), "surprise"),
    (lambda b: _with(b, 1, "order", "gift_wrap"), "order.gift_wrap"),
    (lambda b: _with(b, -1, "order", "items", 0, "quantity"), "order.items.0.quantity"),
    (lambda b: _with(b, 0, "order", "items", 0, "quantity"), "order.items.0.quantity"),
    (lambda b: _with(b, "usd", "order", "items", 0, "currency"), "order.items.0.currency"),
    (lambda b: _with(b, "DOLLARS", "order", "items", 0, "currency"), "order.items.0.currency"),
    (lambda b: _with(b, "-0.01", "order", "items", 0, "price"), "order.items.0.price"),
    (lambda b: _with(b, "1e15", "order", "items", 0, "price"), "order.items.0.price"),
    (lambda b: _with(b, "ftp://cdn.acme.test/mug.png", "order", "items", 0, "image_url"),
     "order.items.0.image_url"),
    (lambda b: _with(b, "javascript:alert(1)", "order", "items", 0, "product_url"),
     "order.items.0.product_url"),
    (lambda b: _without(b, "order", "items", 0, "sku"), "order.items.0.sku"),
    (lambda b: _with(b, "2024-11-20T10:15:00", "order", "placed_at"), "order.placed_at"),
    (lambda b: _with(b, "0001-01-01T00:00:00+05:00", "order", "placed_at"), "order.placed_at"),
    (lambda b: _with(b, "usa", "destination", "country"), "destination.country"),
    (lambda b: _with(b, "DEMO-123-456", "tracking_number"), "tracking_number"),
    (lambda b: _with(b, "DEMO/123", "tracking_number"), "tracking_number"),
    (lambda b: _with(b, "DEMOÄ123", "tracking_number"), "tracking_number"),
    (lambda b: _with(b, "AB1", "tracking_number"), "tracking_number"),
    (lambda b: _with(b, "X" * 65, "tracking_number"), "tracking_number"),
    (lambda b: _with(b, 12345678, "tracking_number"), "tracking_number"),
    (lambda b: _with(b, "1001\x00", "order", "number"), "order.number"),
    (lambda b: _with(b, "Ada\x00", "order", "customer", "name"), "order.customer.name"),
    (lambda b: _with(b, "https://cdn.acme.test/a\x00b", "order", "items", 0, "image_url"),
     "order.items.0.image_url"),
], ids=lambda v: v if isinstance(v, str) else "body")
def test_invalid_bodies_are_422_naming_the_field(client, api_headers, shipment_body, change, field,
                                                 assert_problem, error_fields):
    """Every bad field is refused with a problem naming it, on PostgreSQL as on SQLite (no 500)."""
    problem = assert_problem(
        client.post(URL, json=change(shipment_body()), headers=api_headers), 422)
    assert field in error_fields(problem)
    assert count(Shipment) == 0


def test_all_field_problems_are_reported_at_once(client, api_headers, shipment_body,
                                                 assert_problem, error_fields):
    body = shipment_body(tracking_number="DEMO-1", surprise=True)
    body["order"]["customer"]["email"] = "nope"
    body["order"]["items"][0].update(quantity=-3, currency="usd")
    problem = assert_problem(client.post(URL, json=body, headers=api_headers), 422)
    assert error_fields(problem) >= {
        "tracking_number", "surprise", "order.customer.email",
        "order.items.0.quantity", "order.items.0.currency",
    }


def test_malformed_json_is_400_problem(client, api_headers, assert_problem):
    response = client.post(URL, data='{"tracking_number": "DEMO1", ',
                           headers={**api_headers, "Content-Type": "application/json"})
    problem = assert_problem(response, 400)
    assert "JSON" in problem["detail"]
    assert count(Shipment) == 0


@pytest.mark.parametrize("content_type, data", [
    ("application/x-www-form-urlencoded", "tracking_number=DEMO1234&order=1"),
    ("text/plain", '{"tracking_number": "DEMO1234", "order": {"number": "1"}}'),
])
def test_non_json_body_is_415_problem(client, api_headers, assert_problem, content_type, data):
    response = client.post(URL, data=data, headers={**api_headers, "Content-Type": content_type})
    assert_problem(response, 415)
    assert count(Shipment) == 0


@pytest.mark.parametrize("payload", [[], ["DEMO1234"], "DEMO1234", None])
def test_non_object_json_is_422(client, api_headers, assert_problem, payload):
    response = client.post(URL, json=payload, headers=api_headers)
    assert_problem(response, 422)
    assert count(Shipment) == 0


def test_same_number_for_another_merchant_is_a_separate_shipment(client, api_headers,
                                                                  make_merchant, shipment_body):
    other_headers = headers_for(make_merchant("globex"))
    mine = client.post(URL, json=shipment_body(), headers=api_headers)
    theirs = client.post(URL, json=shipment_body(), headers=other_headers)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.get_json()["id"] != theirs.get_json()["id"]
    assert mine.get_json()["tracking_url"] != theirs.get_json()["tracking_url"]
    assert count(Order) == 2


def test_second_parcel_of_an_order_reuses_the_order(client, api_headers, shipment_body):
    first = client.post(URL, json=shipment_body(), headers=api_headers)
    second = client.post(URL, json=shipment_body(tracking_number="DEMODELAYED2"),
                         headers=api_headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.get_json()["order_number"] == "1001"
    assert count(Order) == 1
    order = db.session.scalar(select(Order))
    assert sorted(s.tracking_number for s in order.shipments) == ["DEMODELAYED2", "DEMOONTIME1"]


def test_concurrent_registration_of_the_same_number_answers_200(client, api_headers, merchant,
                                                                shipment_body, make_shipment,
                                                                monkeypatch):
    """Another request stored the shipment between our lookup and our insert: no 500."""
    existing = make_shipment(merchant, "DEMOONTIME1", "1001")
    real_find = registry.find_existing
    calls = []

    def find_after_the_race(*args):
        calls.append(args)
        return None if len(calls) == 1 else real_find(*args)

    monkeypatch.setattr(registry, "find_existing", find_after_the_race)
    response = client.post(URL, json=shipment_body(), headers=api_headers)

    assert len(calls) == 2
    assert response.status_code == 200
    assert response.get_json()["id"] == existing.id
    assert count(Shipment) == 1


# --- GET /api/v1/shipments --------------------------------------------------------------------


@pytest.fixture
def catalogue(merchant, make_merchant, make_shipment):
    """Three shipments of `merchant` in various states, and one of another merchant."""
    other = make_merchant("globex")
    made = {
        "ontime": make_shipment(merchant, "DEMOONTIME1", "1001"),
        "delayed": make_shipment(merchant, "DEMODELAYED1", "1002"),
        "second_parcel": make_shipment(merchant, "DEMORETURN1", "1001"),
        "foreign": make_shipment(other, "DEMOFOREIGN1", "1001"),
    }
    db.session.execute(update(Shipment).where(Shipment.id == made["delayed"].id)
                       .values(status="in_transit", substatus="delayed"))
    db.session.execute(update(Shipment).where(Shipment.id == made["foreign"].id)
                       .values(status="in_transit"))
    db.session.commit()
    return {name: s.id for name, s in made.items()}


def list_ids(client, headers, query: str = "") -> list[int]:
    response = client.get(f"{URL}?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"data", "next_cursor"}
    return [item["id"] for item in body["data"]]


def test_list_is_newest_first_and_only_the_callers(client, api_headers, catalogue):
    ids = list_ids(client, api_headers)
    assert ids == [catalogue["second_parcel"], catalogue["delayed"], catalogue["ontime"]]
    assert catalogue["foreign"] not in ids


def test_list_items_match_the_single_shipment(client, api_headers, catalogue):
    [item] = client.get(f"{URL}?tracking_number=DEMODELAYED1",
                        headers=api_headers).get_json()["data"]
    one = client.get(f"{URL}/{item['id']}", headers=api_headers).get_json()
    assert item == {key: value for key, value in one.items() if key != "events"}
    assert (item["status"], item["substatus"]) == ("in_transit", "delayed")


@pytest.mark.parametrize("query, expected", [
    ("tracking_number=DEMODELAYED1", ["delayed"]),
    ("tracking_number=demo%20delayed%201", ["delayed"]),
    ("tracking_number=DEMOFOREIGN1", []),
    ("tracking_number=NOSUCH", []),
    ("order_number=1001", ["second_parcel", "ontime"]),
    ("order_number=1002", ["delayed"]),
    ("order_number=9999", []),
    ("status=pending", ["second_parcel", "ontime"]),
    ("status=in_transit", ["delayed"]),
    ("status=delivered", []),
    ("status=pending&order_number=1001&tracking_number=DEMOONTIME1", ["ontime"]),
    ("status=in_transit&order_number=1001", []),
])
def test_list_filters(client, api_headers, catalogue, query, expected):
    assert list_ids(client, api_headers, query) == [catalogue[name] for name in expected]


@pytest.mark.parametrize("query, field", [
    ("status=lost_in_space", "status"),
    ("status=", "status"),
    ("limit=0", "limit"),
    ("limit=101", "limit"),
    ("limit=ten", "limit"),
    ("tracking_number=DEMO%00", "tracking_number"),
])
def test_invalid_list_query_is_422(client, api_headers, assert_problem, error_fields, query, field):
    problem = assert_problem(client.get(f"{URL}?{query}", headers=api_headers), 422)
    assert field in error_fields(problem)


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "garbage!!", "%%%", _cursor("id:abc"), _cursor("page:3"), _cursor("id:-4"),
    _cursor("id:" + "9" * 30), _cursor("id:١٢"), "", "A",
])
def test_garbage_cursor_is_422(client, api_headers, assert_problem, error_fields, cursor):
    problem = assert_problem(client.get(f"{URL}?cursor={cursor}", headers=api_headers), 422)
    assert error_fields(problem) == {"cursor"}


def test_cursor_pagination_walks_every_shipment_once(client, api_headers, merchant, make_merchant,
                                                     make_shipment):
    other = make_merchant("globex")
    mine = []
    for i in range(7):
        mine.append(make_shipment(merchant, f"DEMOPAGE{i}", f"P{i}").id)
        make_shipment(other, f"DEMOPAGE{i}", f"P{i}")  # interleaved ids of another merchant

    pages, cursor = [], None
    while True:
        query = "limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(f"{URL}?{query}", headers=api_headers).get_json()
        pages.append([item["id"] for item in body["data"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor
        assert len(pages) < 5, "pagination does not end"

    assert [len(page) for page in pages] == [3, 3, 1]
    walked = [i for page in pages for i in page]
    assert walked == sorted(mine, reverse=True)


def test_exact_page_has_no_next_cursor(client, api_headers, merchant, make_shipment):
    for i in range(3):
        make_shipment(merchant, f"DEMOPAGE{i}", f"P{i}")
    body = client.get(f"{URL}?limit=3", headers=api_headers).get_json()
    assert len(body["data"]) == 3
    assert body["next_cursor"] is None


def test_cursor_keeps_working_with_filters(client, api_headers, merchant, make_shipment):
    ids = [make_shipment(merchant, f"DEMOPAGE{i}", "SAME" if i % 2 else f"P{i}").id
           for i in range(6)]
    odd = sorted(ids[1::2], reverse=True)
    first = client.get(f"{URL}?order_number=SAME&limit=2", headers=api_headers).get_json()
    assert [s["id"] for s in first["data"]] == odd[:2]
    rest = client.get(f"{URL}?order_number=SAME&limit=2&cursor={first['next_cursor']}",
                      headers=api_headers).get_json()
    assert [s["id"] for s in rest["data"]] == odd[2:]
    assert rest["next_cursor"] is None


# --- GET /api/v1/shipments/<id> ---------------------------------------------------------------


def _event(local, offset, status, description, code, substatus=None, city="Louisville"):
    return CarrierEvent(
        occurred_at_local=local, utc_offset_minutes=offset, status=status,
        description=description, carrier_status_code=code, substatus=substatus,
        location=Location(city, "KY", "40209", "US"),
    )


def test_events_newest_first_in_the_carriers_local_time(client, api_headers, merchant,
                                                        make_shipment):
    shipment = make_shipment(merchant)
    result = TrackResult(shipment.tracking_number, events=[
        # Leipzig, 20:00 +01:00 = 19:00 UTC: the latest wall time but not the latest instant.
        _event(datetime(2024, 11, 22, 20, 0), 60, "in_transit", "Departed hub", "DP",
               "departed_facility", city="Leipzig"),
        _event(datetime(2024, 11, 22, 13, 58), -300, "in_transit", "Arrived at sort facility",
               "AR", "arrived_at_facility"),  # 18:58 UTC
        _event(datetime(2024, 11, 22, 14, 30), -300, "out_for_delivery", "Out for delivery",
               "OD"),  # 19:30 UTC
        # No offset given: read in the merchant's zone (New York), 09:00 -05:00 = 14:00 UTC.
        _event(datetime(2024, 11, 22, 9, 0), None, "info_received", "Label created", None),
    ])
    merge(shipment, result)
    db.session.commit()

    response = client.get(f"{URL}/{shipment.id}", headers=api_headers)

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == SHIPMENT_KEYS
    assert (body["status"], body["substatus"]) == ("out_for_delivery", None)
    events = body["events"]
    assert [e["occurred_at"] for e in events] == [
        "2024-11-22T14:30:00-05:00",
        "2024-11-22T20:00:00+01:00",
        "2024-11-22T13:58:00-05:00",
        "2024-11-22T09:00:00",
    ]
    for event in events:
        assert set(event) == EVENT_KEYS
        assert set(event["location"]) == LOCATION_KEYS
    assert events[2] == {
        "occurred_at": "2024-11-22T13:58:00-05:00",
        "status": "in_transit",
        "substatus": "arrived_at_facility",
        "description": "Arrived at sort facility",
        "location": {"city": "Louisville", "region": "KY", "postal_code": "40209", "country": "US"},
        "carrier_status_code": "AR",
    }
    assert events[3]["carrier_status_code"] is None
    assert datetime.fromisoformat(events[3]["occurred_at"]).tzinfo is None


def test_polled_demo_shipment_shows_its_journey(client, api_headers, merchant, make_shipment):
    shipment = make_shipment(merchant, "DEMOONTIME1")
    registered = shipment.created_at
    summary = drain(now=utcnow() + timedelta(hours=2))  # 1 s per scenario hour: the whole journey
    assert summary.polled == 1

    body = client.get(f"{URL}/{shipment.id}", headers=api_headers).get_json()

    assert (body["status"], body["substatus"]) == ("delivered", "signed")
    assert parse_instant(body["delivered_at"]) == registered + timedelta(seconds=59.5)
    window = body["estimated_delivery"]
    assert set(window) == {"earliest", "latest"}
    assert parse_instant(window["earliest"]) == registered + timedelta(seconds=56)
    assert parse_instant(window["latest"]) == registered + timedelta(seconds=60)
    events = body["events"]
    assert len(events) == 11
    assert events[0]["description"].startswith("Delivered")
    assert events[-1]["status"] == "info_received"
    instants = [parse_instant(e["occurred_at"]) for e in events]
    assert instants == sorted(instants, reverse=True)
    # Portland scans keep Portland's offset, Louisville's keep Louisville's.
    assert events[0]["occurred_at"].endswith("-08:00")
    assert events[0]["location"]["city"] == "Portland"
    assert events[-1]["occurred_at"].endswith("-05:00")
    assert events[-1]["location"]["city"] == "Louisville"
    assert instants[-1] == registered + timedelta(seconds=0.05)


def test_missing_shipment_is_404_problem(client, api_headers, assert_problem):
    assert_problem(client.get(f"{URL}/424242", headers=api_headers), 404)
    assert_problem(client.get(f"{URL}/99999999999999999999", headers=api_headers), 404)
    assert_problem(client.post(f"{URL}/424242/refresh", headers=api_headers), 404)


def test_another_merchants_shipment_is_404_not_403(client, api_headers, make_merchant,
                                                   make_shipment, assert_problem):
    other = make_merchant("globex")
    theirs = make_shipment(other, "DEMOFOREIGN1")
    db.session.execute(update(Shipment).where(Shipment.id == theirs.id)
                       .values(next_poll_at=utcnow() + timedelta(days=1)))
    db.session.commit()
    before = db.session.scalar(select(Shipment.next_poll_at).where(Shipment.id == theirs.id))

    missing = assert_problem(client.get(f"{URL}/424242", headers=api_headers), 404)
    foreign = assert_problem(client.get(f"{URL}/{theirs.id}", headers=api_headers), 404)
    refresh = assert_problem(client.post(f"{URL}/{theirs.id}/refresh", headers=api_headers), 404)

    assert foreign["title"] == missing["title"] and foreign["type"] == missing["type"]
    assert "DEMOFOREIGN1" not in foreign["detail"] + refresh["detail"]
    assert db.session.scalar(
        select(Shipment.next_poll_at).where(Shipment.id == theirs.id)) == before
    # The owner still sees it.
    assert client.get(f"{URL}/{theirs.id}", headers=headers_for(other)).status_code == 200


# --- POST /api/v1/shipments/<id>/refresh ------------------------------------------------------


def test_refresh_is_202_and_makes_the_shipment_due_now(client, api_headers, merchant,
                                                       make_shipment):
    shipment = make_shipment(merchant)
    later = utcnow() + timedelta(hours=6)
    db.session.execute(update(Shipment).where(Shipment.id == shipment.id)
                       .values(next_poll_at=later))
    db.session.commit()
    assert poll_due(now=utcnow()).claimed == 0

    before = utcnow()
    response = client.post(f"{URL}/{shipment.id}/refresh", headers=api_headers)
    after = utcnow()

    assert response.status_code == 202
    body = response.get_json()
    assert set(body) == SHIPMENT_KEYS and body["id"] == shipment.id
    stored = db.session.scalar(select(Shipment.next_poll_at).where(Shipment.id == shipment.id))
    assert before - timedelta(seconds=1) <= stored <= after + timedelta(seconds=1)
    # The worker takes it on its next round.
    assert poll_due(now=utcnow() + timedelta(seconds=1)).claimed == 1


def test_refresh_ignores_a_body_and_needs_no_content_type(client, api_headers, merchant,
                                                          make_shipment):
    shipment = make_shipment(merchant)
    assert client.post(f"{URL}/{shipment.id}/refresh", headers=api_headers).status_code == 202
    assert client.post(f"{URL}/{shipment.id}/refresh", json={},
                       headers=api_headers).status_code == 202
