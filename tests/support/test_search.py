"""Support search: every key, partial matches, normalised input, escaping, and one merchant only."""
import re

import pytest

from tracking.extensions import db


@pytest.fixture
def shipments(merchant, make_merchant, make_shipment):
    """Two of acme's shipments with distinct customers, and one of another shop's."""
    mine = make_shipment(merchant, "DEMOONTIME4401", order_number="A-1001",
                         order={"number": "A-1001", "items": [], "customer": {
                             "email": "Jane.Roe@Example.com", "phone": "+1 (503) 555-0142",
                             "name": "Jane Roe"}})
    other = make_shipment(merchant, "1Z999AA10123456784", carrier="ups", order_number="B-2002",
                          order={"number": "B-2002", "items": [], "customer": {
                              "email": "max@shop.test", "phone": "030 1234 5678",
                              "name": "Max Mustermann"}})
    rival = make_merchant("rival", name="Rival Shop")
    theirs = make_shipment(rival, "DEMOONTIME4402", order_number="A-1001X",
                           order={"number": "A-1001X", "items": [], "customer": {
                               "email": "jane.roe@example.com", "phone": "+1 503 555 0142",
                               "name": "Jane Roe"}})
    return mine, other, theirs


def linked(client, q: str) -> set[int]:
    """Ids of the shipments the results link to (the query itself is echoed, so not its text)."""
    return {int(n) for n in re.findall(r"/support/shipments/(\d+)", found(client, q))}


def found(client, q: str) -> str:
    response = client.get("/support/search", query_string={"q": q})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("q", [
    "DEMOONTIME4401",  # tracking number, exact
    "demoontime 4401",  # ... typed in lower case with a space
    "ONTIME44",  # ... a part of it
    "A-1001",  # order number
    "a-100",  # ... part of it, other case
    "jane.roe@example.com",  # email, other case
    "JANE.ROE@",  # ... its start
    "503 555 0142",  # phone, other punctuation
    "5550142",  # ... its last digits
    "Jane Roe",  # name
    "roe",  # ... part of it
])
def test_every_key_finds_the_shipment(app, shipments, agent_client, q):
    mine, other, theirs = shipments
    assert linked(agent_client, q) == {mine.id}


def test_ups_number_and_german_phone(app, shipments, agent_client):
    mine, other, _ = shipments
    assert linked(agent_client, "1z999aa1 0123456784") == {other.id}
    assert linked(agent_client, "030-1234-5678") == {other.id}
    assert linked(agent_client, "mustermann") == {other.id}


@pytest.mark.parametrize("q", ["DEMOONTIME4402", "A-1001X", "jane.roe@example.com", "Jane Roe",
                               "503 555 0142"])
def test_never_another_merchants_shipment(app, shipments, agent_client, q):
    _, _, theirs = shipments
    assert theirs.id not in linked(agent_client, q)
    assert "jane.roe@example.com" not in found(agent_client, "A-1001X")


def test_results_show_status_carrier_last_scan_and_eta(app, shipments, agent_client, with_scans):
    from datetime import datetime, timezone

    from tests.support.conftest import scan
    mine = shipments[0]
    with_scans(mine, scan(0, "in_transit", "Arrived at hub", code="AR"),
               estimated_delivery_latest=datetime(2024, 11, 23, 20, tzinfo=timezone.utc))
    body = found(agent_client, "DEMOONTIME4401")
    assert "In transit" in body and "DEMO" in body and "Arrived at hub" in body
    assert 'datetime="2024-11-23T20:00:00+00:00"' in body


def test_like_wildcards_are_literal(app, shipments, agent_client):
    assert linked(agent_client, "%") == set()
    assert linked(agent_client, "_") == set()


def test_hostile_customer_name_is_escaped(app, merchant, make_shipment, agent_client):
    make_shipment(merchant, "DEMOXSS1", order={"number": "X-1", "items": [], "customer": {
        "name": "<script>alert(1)</script>Evil"}})
    body = found(agent_client, "evil")
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Evil" in body


def test_htmx_gets_the_results_partial_only(app, shipments, agent_client):
    response = agent_client.get("/support/search?q=roe", headers={"HX-Request": "true",
                                                                  "HX-Target": "results"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and "DEMOONTIME4401" in body
    assert "HX-Request" in response.headers["Vary"]
    full = agent_client.get("/support/search?q=roe").get_data(as_text=True)
    assert "<html" in full and 'hx-trigger="input changed delay:250ms, search"' in full


def test_results_are_capped(app, merchant, make_shipment, agent_client):
    from tracking.support import search
    for n in range(search.LIMIT + 3):
        make_shipment(merchant, f"DEMOCAP{n:03d}", order_number=f"C-{n}")
    body = found(agent_client, "DEMOCAP")
    assert body.count('<th scope="row">') == search.LIMIT
    assert "type more to narrow" in body


def test_empty_and_overlong_queries(app, shipments, agent_client):
    assert linked(agent_client, "   ") == set()
    assert found(agent_client, "x" * 5000)  # cut to the limit, answered


def test_anonymous_goes_to_sign_in(app, client):
    response = client.get("/support/search?q=x")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["owner", "admin", "agent"])
def test_every_role_may_search(app, merchant, make_user, console_client, shipments, role):
    client = console_client(make_user(merchant, role))
    assert "DEMOONTIME4401" in found(client, "4401")
    db.session.rollback()
