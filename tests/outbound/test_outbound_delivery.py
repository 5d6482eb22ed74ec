"""Delivering messages: Standard Webhooks signatures, retries with backoff, dead letters, replay."""
import json
from datetime import timedelta

import pytest
import requests
from responses import matchers
from standardwebhooks import Webhook

from outbound_helpers import HOOK, change_status, deliveries, messages, sent
from tracking import outbound
from tracking.extensions import db
from tracking.models import Merchant, OutboundAttempt
from tracking.models.types import utcnow
from tracking.outbound import deliver_all_due, deliver_due, replay
from tracking.polling import worker

SCHEDULE = [30, 120, 600, 3600, 6 * 3600, 24 * 3600]


@pytest.fixture
def queued(app, merchant, make_endpoint, shipment):
    """One endpoint subscribed to status changes, and one message queued for it."""
    endpoint = make_endpoint(merchant, events=["shipment.status_changed"])
    change_status(shipment, "in_transit")
    db.session.commit()
    return endpoint


def test_delivery_is_signed_the_standard_webhooks_way(app, queued, receiver):
    receiver.post(HOOK, status=204)

    summary = deliver_due()

    assert (summary.claimed, summary.succeeded) == (1, 1)
    [(url, headers, body)] = sent(receiver)
    [message] = messages()
    assert url == HOOK and body == message.payload
    assert headers["webhook-id"] == message.id
    assert abs(int(headers["webhook-timestamp"]) - utcnow().timestamp()) < 10
    assert headers["content-type"] == "application/json"
    assert Webhook(queued.secret).verify(body, headers) == json.loads(message.payload)
    with pytest.raises(Exception):
        Webhook(outbound.endpoints.new_endpoint_secret()).verify(body, headers)
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 204)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    assert delivery.claimed_by is None and delivery.last_error is None


def test_a_secret_rotation_signs_with_both_secrets_for_a_while(app, queued, receiver):
    receiver.post(HOOK, status=200)
    old = queued.secret
    new = outbound.rotate_secret(queued)
    db.session.commit()
    assert new != old and new.startswith("whsec_")

    deliver_due()
    [(_, headers, body)] = sent(receiver)
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)
    assert len(headers["webhook-signature"].split(" ")) == 2

    queued.previous_secret_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert outbound.signing.signing_secrets(queued, utcnow()) == [new]


def test_a_failing_receiver_is_retried_with_backoff_until_dead(app, queued, receiver):
    receiver.post(HOOK, status=500, body="boom")
    now = utcnow()

    deliver_due(now)
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, 500)
    assert delivery.last_error == "HTTP 500" and delivery.last_response_excerpt == "boom"
    # the wait counts from the attempt (or from `now`, when a test sets the clock ahead)
    assert delivery.next_attempt_at == max(now, delivery.last_attempt_at) + timedelta(seconds=30)
    assert deliver_due(delivery.next_attempt_at - timedelta(seconds=1)).claimed == 0

    for attempt, wait in enumerate(SCHEDULE[1:], start=2):
        now = deliveries()[0].next_attempt_at
        deliver_due(now)
        [delivery] = deliveries()
        assert (delivery.status, delivery.attempts) == ("failed", attempt)
        assert delivery.next_attempt_at == now + timedelta(seconds=wait)

    deliver_due(delivery.next_attempt_at)
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("dead", 7, None)
    assert len(sent(receiver)) == 7
    assert db.session.query(OutboundAttempt).filter_by(delivery_id=delivery.id).count() == 7
    assert deliver_due(utcnow() + timedelta(days=30)).claimed == 0


@pytest.mark.parametrize("failure, error", [
    (requests.exceptions.ReadTimeout("read timed out"), "timed out after 5 s"),
    (requests.exceptions.ConnectTimeout("connect timed out"), "timed out after 5 s"),
    (requests.exceptions.ConnectionError("Connection refused"), "connection failed: Connection refused"),
    (requests.exceptions.SSLError("certificate verify failed"), "TLS error: certificate verify failed"),
])
def test_no_answer_is_a_failed_attempt(app, queued, receiver, failure, error):
    receiver.post(HOOK, body=failure)
    summary = deliver_due()
    [delivery] = deliveries()
    assert (summary.failed, delivery.status, delivery.last_status_code) == (1, "failed", None)
    assert delivery.last_error == error


def test_a_later_success_ends_the_chain(app, queued, receiver):
    receiver.post(HOOK, status=503)
    receiver.post(HOOK, status=200, body="thanks")
    deliver_due()
    deliver_due(deliveries()[0].next_attempt_at)
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("succeeded", 2, None)
    log = [(a.status_code, a.error, a.response_excerpt) for a in delivery.attempt_log]
    assert log == [(503, "HTTP 503", None), (200, None, "thanks")]


def test_a_redirect_is_not_followed(app, queued, receiver):
    receiver.post(HOOK, status=302, headers={"Location": "http://169.254.169.254/latest/meta-data"})
    elsewhere = receiver.get("http://169.254.169.254/latest/meta-data", status=200)
    deliver_due()
    [delivery] = deliveries()
    assert (delivery.status, delivery.last_status_code) == ("failed", 302)
    assert "redirect" in delivery.last_error and "not followed" in delivery.last_error
    assert elsewhere.call_count == 0 and len(receiver.calls) == 1


def test_the_response_excerpt_is_short_plain_text(app, queued, receiver):
    receiver.post(HOOK, status=400, body=b"\x00bad" + b"x" * 100_000)
    deliver_due()
    [delivery] = deliveries()
    assert delivery.last_response_excerpt.startswith("badxxx")
    assert len(delivery.last_response_excerpt) == 1000


def test_replay_sends_the_same_message_again_on_a_new_chain(app, merchant, queued, receiver):
    receiver.post(HOOK, status=200)
    deliver_due()
    [first] = deliveries()

    chain = replay(first.message_id, merchant=merchant)
    db.session.commit()
    assert (chain.status, chain.replay_of_id, chain.attempts) == ("pending", first.id, 0)
    deliver_due()

    ids = [headers["webhook-id"] for _, headers, _ in sent(receiver)]
    assert ids == [first.message_id, first.message_id]
    assert [d.status for d in deliveries()] == ["succeeded", "succeeded"]
    replay(first.id)  # by delivery id, and by object, work alike
    replay(deliveries()[0])
    db.session.commit()
    assert len(deliveries()) == 3  # the second call brought the queued chain forward


def test_replay_of_a_waiting_chain_brings_it_forward(app, queued, receiver):
    receiver.post(HOOK, status=500)
    deliver_due()
    [waiting] = deliveries()
    assert waiting.next_attempt_at > utcnow()
    chain = replay(waiting)
    db.session.commit()
    assert chain.id == waiting.id and chain.next_attempt_at <= utcnow()
    assert deliver_due().claimed == 1


def test_replay_is_scoped_to_the_merchant_and_needs_an_active_endpoint(app, merchant, queued):
    [message] = messages()
    rival = Merchant(slug="rival", name="Rival")
    db.session.add(rival)
    db.session.commit()
    with pytest.raises(LookupError):
        replay(message.id, merchant=rival)
    with pytest.raises(LookupError):
        replay("msg_nothing")
    outbound.disable(queued)
    with pytest.raises(ValueError, match="disabled"):
        replay(message.id, merchant=merchant)


def test_a_disabled_endpoint_gets_nothing_and_its_queue_ends(app, queued, receiver):
    outbound.disable(queued)
    db.session.commit()
    summary = deliver_due()
    [delivery] = deliveries()
    assert (summary.dead, delivery.status, delivery.last_error) == (1, "dead", "endpoint disabled")
    assert len(receiver.calls) == 0


def test_deliver_all_due_drains_the_queue_in_batches(app, merchant, make_endpoint, make_shipment,
                                                     receiver, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_WEBHOOKS_BATCH_SIZE", 2)
    make_endpoint(merchant, events=["shipment.status_changed"])
    for n in range(5):
        change_status(make_shipment(merchant, number=f"DEMOONTIME{n}", order_number=f"B{n}"),
                      "in_transit")
    db.session.commit()
    receiver.post(HOOK, status=200)
    assert deliver_all_due().succeeded == 5


def test_the_worker_delivers_on_its_own_job(app, queued, receiver):
    receiver.post(HOOK, status=200, match=[matchers.header_matcher({"webhook-id": messages()[0].id},
                                                                   strict_match=False)])
    db.session.rollback()
    worker.deliver_round(app)
    assert [d.status for d in deliveries()] == ["succeeded"]


def test_cli_delivers_what_is_due(app, runner, queued, receiver):
    receiver.post(HOOK, status=200)
    result = runner.invoke(args=["deliver-webhooks"])
    assert result.exit_code == 0, result.output
    assert "succeeded=1" in result.output


def test_a_stopping_worker_starts_no_new_batch(app, queued, receiver):
    import threading
    stopping = threading.Event()
    stopping.set()
    assert deliver_all_due(stopping=stopping).claimed == 0
    assert deliveries()[0].status == "pending"
