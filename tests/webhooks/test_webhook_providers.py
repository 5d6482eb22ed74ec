"""Each provider's payload read through the status crosswalks into the shared timeline."""
import logging
import time
from datetime import datetime, timezone

import pytest

from tracking.webhooks.push import country_code, eta_window, our_carrier
from webhook_helpers import (
    NUMBER, SECRETS, aftership, as_checkpoint, counts, dumps, easypost, ep_detail, reload,
    sh_status, shippo, sign_shippo,
)


def newest(shipment):
    return max(reload(shipment).events, key=lambda e: e.occurred_at)


# --- crosswalks --------------------------------------------------------------------------------

def test_easypost_out_for_delivery_and_detail(post, shipment, secrets_of):
    payload = easypost([
        ep_detail("2024-11-21T02:15:00Z", "in_transit", "Arrived", "arrived_at_facility"),
        ep_detail("2024-11-22T15:05:00Z", "out_for_delivery", "Out for delivery",
                  "out_for_delivery"),
    ])
    assert post("easypost", payload).status_code == 200

    stored = reload(shipment)
    assert (stored.status, stored.substatus) == ("out_for_delivery", None)
    arrived = min(stored.events, key=lambda e: e.occurred_at)
    assert (arrived.status, arrived.substatus) == ("in_transit", "arrived_at_facility")
    assert arrived.carrier_status_code == "in_transit:arrived_at_facility"
    assert arrived.utc_offset_minutes == 0
    assert (arrived.city, arrived.region, arrived.postal_code, arrived.country) == (
        "Portland", "OR", "97218", "US")
    assert stored.estimated_delivery_earliest == datetime(2024, 11, 25, tzinfo=timezone.utc)


def test_aftership_delivered_001(post, shipment, secrets_of):
    payload = aftership([
        as_checkpoint("2024-11-22T07:05:00-08:00", "OutForDelivery", "OutForDelivery_001",
                      "Out for delivery"),
        as_checkpoint("2024-11-22T13:58:00-08:00", "Delivered", "Delivered_001", "Delivered"),
    ], tag="Delivered")
    assert post("aftership", payload).status_code == 200

    stored = reload(shipment)
    assert (stored.status, stored.substatus) == ("delivered", None)
    assert stored.delivered_at == datetime(2024, 11, 22, 21, 58, tzinfo=timezone.utc)
    delivered = newest(shipment)
    assert delivered.carrier_status_code == "Delivered_001"
    assert (delivered.utc_offset_minutes, delivered.country) == (-480, "US")


def test_shippo_returned(post, shipment, secrets_of):
    payload = shippo([
        sh_status("2024-11-21T08:15:00Z", "TRANSIT", "In transit", "package_departed"),
        sh_status("2024-11-23T10:00:00Z", "RETURNED", "Returned to sender"),
    ])
    assert post("shippo", payload).status_code == 200

    stored = reload(shipment)
    assert (stored.status, stored.substatus) == ("exception", "returning_to_sender")
    assert newest(shipment).carrier_status_code == "RETURNED"


def test_shippo_substatus_code_refines(post, shipment, secrets_of):
    payload = shippo([sh_status("2024-11-22T15:00:00Z", "FAILURE", "Refused", "package_damaged")])
    assert post("shippo", payload).status_code == 200
    assert (reload(shipment).status, reload(shipment).substatus) == ("exception", "damaged")
    assert newest(shipment).carrier_status_code == "FAILURE:package_damaged"


# --- honesty about what cannot be read ----------------------------------------------------------

@pytest.mark.parametrize("provider,payload", [
    ("easypost", easypost([
        ep_detail("2024-11-21T02:15:00Z", "in_transit", "Arrived", "arrived_at_facility"),
        ep_detail("2024-11-22T15:05:00Z", "teleported", "Beamed up"),
    ])),
    ("aftership", aftership([
        as_checkpoint("2024-11-21T02:15:00-06:00", "InTransit", "InTransit_003", "Arrived"),
        as_checkpoint("2024-11-22T07:05:00-08:00", "Teleported", "Teleported_001", "Beamed up"),
    ])),
    ("shippo", shippo([
        sh_status("2024-11-21T08:15:00Z", "TRANSIT", "Arrived", "package_arrived"),
        sh_status("2024-11-22T15:05:00Z", "TELEPORTED", "Beamed up"),
    ])),
])
def test_unknown_status_is_logged_and_skipped(provider, payload, post, shipment, secrets_of,
                                              caplog):
    with caplog.at_level(logging.WARNING, logger="tracking.webhooks"):
        response = post(provider, payload)

    assert response.get_json() == {"status": "processed", "events_added": 1, "events_skipped": 1}
    assert reload(shipment).status == "in_transit"  # never a guess from the unknown code
    assert any("unknown status" in r.getMessage() and "teleported" in r.getMessage().casefold()
               for r in caplog.records if r.name == f"tracking.webhooks.{provider}")


@pytest.mark.parametrize("when", [None, "", "yesterday", 12345])
def test_event_without_readable_time_is_skipped(when, post, shipment, secrets_of):
    payload = easypost([
        ep_detail("2024-11-21T02:15:00Z", "in_transit", "Arrived"),
        ep_detail(when, "delivered", "Delivered"),
    ])
    response = post("easypost", payload)
    assert response.get_json()["events_skipped"] == 1
    assert reload(shipment).status == "in_transit"


# --- order and time ------------------------------------------------------------------------------

@pytest.mark.parametrize("provider", ["easypost", "aftership", "shippo"])
def test_out_of_order_scans_are_ordered_by_instant(provider, post, shipment, secrets_of):
    """Newest first in the body, and the older scans in a later push: delivered stays delivered."""
    if provider == "easypost":
        first = easypost([
            ep_detail("2024-11-22T21:58:00Z", "delivered", "Delivered"),
            ep_detail("2024-11-22T15:05:00Z", "out_for_delivery", "Out for delivery"),
        ], event_id="evt_1")
        late = easypost([ep_detail("2024-11-21T02:15:00Z", "in_transit", "Arrived")],
                        event_id="evt_2")
    elif provider == "aftership":
        first = aftership([
            as_checkpoint("2024-11-22T13:58:00-08:00", "Delivered", "Delivered_001", "Delivered"),
            as_checkpoint("2024-11-22T07:05:00-08:00", "OutForDelivery", "OutForDelivery_001",
                          "Out for delivery"),
        ], event_id="a")
        late = aftership([as_checkpoint("2024-11-21T02:15:00-06:00", "InTransit",
                                        "InTransit_003", "Arrived")], event_id="b")
    else:
        first = shippo([
            sh_status("2024-11-22T21:58:00Z", "DELIVERED", "Delivered"),
            sh_status("2024-11-22T15:05:00Z", "TRANSIT", "Out for delivery", "out_for_delivery"),
        ])
        first["data"]["tracking_status"] = first["data"]["tracking_history"][0]
        late = shippo([sh_status("2024-11-21T08:15:00Z", "TRANSIT", "Arrived")])

    assert post(provider, first).status_code == 200
    assert reload(shipment).status == "delivered"
    assert post(provider, late).get_json()["events_added"] == 1

    stored = reload(shipment)
    assert stored.status == "delivered"
    assert [e.status for e in sorted(stored.events, key=lambda e: e.occurred_at)] == [
        "in_transit", "out_for_delivery", "delivered"]


def test_time_without_offset_keeps_wall_time_and_no_offset(post, shipment, secrets_of):
    payload = aftership([as_checkpoint("2024-11-22T07:05:00", "OutForDelivery",
                                       "OutForDelivery_001", "Out for delivery")])
    assert post("aftership", payload).status_code == 200
    event = newest(shipment)
    assert event.utc_offset_minutes is None
    assert event.occurred_at_local == datetime(2024, 11, 22, 7, 5)
    # Placed on the timeline in the zone of its place (Portland, OR), never stamped as UTC.
    assert event.occurred_at == datetime(2024, 11, 22, 15, 5, tzinfo=timezone.utc)


# --- hostile text --------------------------------------------------------------------------------

def test_hostile_text_is_stored_as_plain_text(post, shipment, secrets_of):
    payload = aftership([{
        **as_checkpoint("2024-11-22T07:05:00-08:00", "OutForDelivery", "OutForDelivery_001",
                        "<script>alert('x')</script><b>Out</b> for &amp; delivery \x07  "),
        "city": "<img src=x onerror=alert(1)>Portland",
    }])
    assert post("aftership", payload).status_code == 200
    event = newest(shipment)
    assert "<" not in event.description and ">" not in event.description
    assert "\x07" not in event.description
    assert event.description.endswith("Out for & delivery")
    assert event.city == "Portland"


def test_hostile_tracking_number_matches_nothing(post, shipment, secrets_of):
    payload = easypost([ep_detail("2024-11-22T15:05:00Z", "delivered", "x")],
                       number=f"{NUMBER}' OR '1'='1")
    assert post("easypost", payload).status_code == 202
    assert counts() == (0, 0)


# --- which shipment ------------------------------------------------------------------------------

def test_known_carrier_must_match_the_shipments_carrier(post, shipment, secrets_of):
    payload = easypost([ep_detail("2024-11-22T15:05:00Z", "delivered", "Delivered")],
                       carrier="FedEx")
    assert post("easypost", payload).get_json() == {"status": "ignored"}
    assert counts() == (0, 0)


def test_unmapped_carrier_matches_on_number_alone(post, merchant, make_shipment, secrets_of):
    shipment = make_shipment(merchant, number="OT123456789", carrier="demo")
    payload = aftership([as_checkpoint("2024-11-22T07:05:00-08:00", "OutForDelivery",
                                       "OutForDelivery_001", "Out")],
                        number="ot 1234 56789", slug="ontrac")
    assert post("aftership", payload).status_code == 200
    assert reload(shipment).status == "out_for_delivery"


def test_unmapped_carrier_with_two_candidates_is_ignored(post, merchant, make_shipment,
                                                         secrets_of):
    make_shipment(merchant, number="OT123456789", carrier="demo", order_number="1")
    make_shipment(merchant, number="OT123456789", carrier="ups", order_number="2")
    payload = aftership([as_checkpoint("2024-11-22T07:05:00-08:00", "OutForDelivery",
                                       "OutForDelivery_001", "Out")],
                        number="OT123456789", slug="ontrac")
    assert post("aftership", payload).get_json() == {"status": "ignored"}
    assert counts() == (0, 0)


# --- Shippo authentication -----------------------------------------------------------------------

def test_shippo_token_in_the_url(post, shipment, secrets_of):
    payload = shippo([sh_status("2024-11-22T15:05:00Z", "TRANSIT", "Out", "out_for_delivery")])
    ok = post("shippo", payload, headers={"Content-Type": "application/json"},
              query=f"&token={SECRETS['shippo']}")
    assert ok.status_code == 200
    wrong = post("shippo", payload, headers={}, query="&token=sh-secreT")
    assert wrong.status_code == 401


def test_shippo_bad_header_is_not_rescued_by_a_token(post, shipment, secrets_of):
    payload = shippo([sh_status("2024-11-22T15:05:00Z", "TRANSIT", "Out", "out_for_delivery")])
    response = post("shippo", payload, secret="wrong", query=f"&token={SECRETS['shippo']}")
    assert response.status_code == 401
    assert counts() == (0, 0)


@pytest.mark.parametrize("header", [
    "t=notanumber,v1=00", "v1=00", "t=1700000000", "", "garbage", "t=,v1=",
])
def test_shippo_malformed_signature_header(header, post, shipment, secrets_of):
    payload = shippo([sh_status("2024-11-22T15:05:00Z", "TRANSIT", "Out", "out_for_delivery")])
    assert post("shippo", payload, headers={"Shippo-Auth-Signature": header}).status_code == 401


def test_shippo_stale_signature_is_refused(post, shipment, secrets_of):
    payload = shippo([sh_status("2024-11-22T15:05:00Z", "TRANSIT", "Out", "out_for_delivery")])
    headers = sign_shippo(dumps(payload), SECRETS["shippo"], stamp=int(time.time()) - 3600)
    assert post("shippo", payload, headers=headers).status_code == 401


def test_shippo_redelivery_is_recognised_by_body(post, shipment, secrets_of):
    payload = shippo([sh_status("2024-11-22T15:05:00Z", "TRANSIT", "Out", "out_for_delivery")])
    assert post("shippo", payload).get_json()["status"] == "processed"
    assert post("shippo", payload).get_json() == {"status": "duplicate"}
    payload["data"]["eta"] = "2024-11-26T12:00:00Z"  # a different body: processed again
    assert post("shippo", payload).get_json()["status"] == "processed"
    assert counts() == (1, 2)
    assert reload(shipment).estimated_delivery_earliest == datetime(
        2024, 11, 26, 12, tzinfo=timezone.utc)


# --- pure helpers --------------------------------------------------------------------------------

@pytest.mark.parametrize("name,code", [
    ("UPS", "ups"), ("USPS", "usps"), ("FedEx", "fedex"), ("fedex", "fedex"),
    ("DHLExpress", "dhl"), ("dhl_express", "dhl"), ("dhl-global-mail", "dhl"),
    ("OnTrac", None), ("fedex-freight", None), (None, None), (7, None),
])
def test_our_carrier(name, code):
    assert our_carrier(name) == code


@pytest.mark.parametrize("value,code", [
    ("US", "US"), ("de", "DE"), ("USA", "US"), ("DEU", "DE"), ("gbr", "GB"), ("XYZ", None),
    ("United States", None), (None, None), ("", None),
])
def test_country_code(value, code):
    assert country_code(value) == code


def test_eta_window():
    assert eta_window("2024-11-25T12:00:00Z", "UTC") == (
        datetime(2024, 11, 25, 12, tzinfo=timezone.utc),) * 2
    start, end = eta_window("2024-11-25", "America/New_York")
    assert start == datetime(2024, 11, 25, 5, tzinfo=timezone.utc)
    assert end == datetime(2024, 11, 26, 4, 59, 59, tzinfo=timezone.utc)
    assert eta_window("2024-11-25T09:00:00", "America/New_York")[0] == datetime(
        2024, 11, 25, 14, tzinfo=timezone.utc)
    assert eta_window("soon", "UTC") == (None, None)
    assert eta_window(None, "UTC") == (None, None)
    assert eta_window(20241125, "UTC") == (None, None)


# --- values a database or the clock would refuse -------------------------------------------------

def test_nul_in_the_tracking_number_is_400(post, shipment, secrets_of):
    payload = easypost([ep_detail("2024-11-22T15:05:00Z", "delivered", "x")],
                       number=NUMBER + "\x00")
    assert post("easypost", payload).status_code == 400
    assert counts() == (0, 0)


def test_nul_in_the_merchant_slug_is_401(post, shipment, secrets_of):
    payload = easypost([ep_detail("2024-11-22T15:05:00Z", "delivered", "x")])
    assert post("easypost", payload, slug="acme%00").status_code == 401


def test_odd_delivery_id_is_hashed(post, shipment, secrets_of):
    payload = easypost([ep_detail("2024-11-22T15:05:00Z", "delivered", "x")],
                       event_id="evt\x00" + "x" * 100)
    assert post("easypost", payload).status_code == 200
    assert post("easypost", payload).get_json() == {"status": "duplicate"}


@pytest.mark.parametrize("when", ["9999-12-31T23:59:00-05:00", "0001-01-01T00:00:00+05:00"])
def test_implausible_years_are_skipped(when, post, shipment, secrets_of):
    payload = easypost([ep_detail("2024-11-21T02:15:00Z", "in_transit", "Arrived"),
                        ep_detail(when, "delivered", "Delivered")], eta="9999-12-31")
    response = post("easypost", payload)
    assert response.get_json()["events_skipped"] == 1
    assert reload(shipment).estimated_delivery_earliest is None


def test_hostile_status_codes_are_stored_as_plain_text(post, shipment, secrets_of):
    payload = aftership([as_checkpoint("2024-11-22T07:05:00-08:00", "OutForDelivery",
                                       "<b>OutForDelivery_001</b>", "Out")])
    assert post("aftership", payload).status_code == 200
    assert newest(shipment).carrier_status_code == "OutForDelivery_001"
