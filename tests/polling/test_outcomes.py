"""The poller acts on each typed carrier outcome: wait as told, back off, keep pending, stay up."""
from datetime import timedelta

import pytest

from tests.polling.polling_helpers import FakeCarrier, policy_next, reload
from tracking.carriers.base import Outcome, TrackResult
from tracking.polling import policy
from tracking.polling.poller import poll_due


@pytest.fixture
def due(app, merchant, make_shipment):
    shipment = make_shipment(merchant, number="FAKE1", carrier="fake")
    return shipment


def answering(outcome: Outcome, **fields):
    return FakeCarrier(answer=lambda req: TrackResult(req.tracking_number, outcome, **fields))


def test_throttled_with_retry_after_waits_exactly_that_long(app, install, due):
    install(answering(Outcome.THROTTLED, retry_after=900, detail="HTTP 429"))
    now = due.next_poll_at
    summary = poll_due(now)
    shipment = reload(due)
    assert summary.by_outcome == {"throttled": 1} and summary.errors == 1
    assert shipment.next_poll_at == now + timedelta(seconds=900)
    assert shipment.last_poll_error == "throttled: HTTP 429" and shipment.status == "pending"
    assert shipment.claimed_by is None


def test_failures_without_a_hint_back_off_exponentially(app, install, due):
    install(answering(Outcome.SERVER_ERROR, detail="HTTP 503"))
    base = app.config["POLL_RETRY_SECONDS"]
    now = due.next_poll_at
    waits = []
    for _ in range(3):
        poll_due(now)
        shipment = reload(due)
        waits.append((shipment.next_poll_at - now).total_seconds())
        now = shipment.next_poll_at
    assert waits == [base, 2 * base, 4 * base]
    assert reload(due).poll_failures == 3


@pytest.mark.parametrize("outcome", [Outcome.AUTH_FAILED, Outcome.INVALID_NUMBER, Outcome.TIMEOUT,
                                     Outcome.BAD_RESPONSE, Outcome.NETWORK_ERROR,
                                     Outcome.NOT_CONFIGURED])
def test_every_failure_is_recorded_by_name_and_merges_nothing(app, install, due, outcome):
    install(answering(outcome, detail="why"))
    summary = poll_due(due.next_poll_at)
    shipment = reload(due)
    assert summary.by_outcome == {str(outcome): 1}
    assert shipment.last_poll_error == f"{outcome}: why" and not shipment.events
    assert shipment.next_poll_at > due.created_at


def test_not_found_keeps_a_fresh_label_pending_and_retries_later(app, install, due):
    install(answering(Outcome.NOT_FOUND))
    now = due.next_poll_at
    summary = poll_due(now)
    shipment = reload(due)
    assert summary.by_outcome == {"not_found": 1} and summary.errors == 0
    assert shipment.status == "pending" and shipment.poll_failures == 0
    # not a failure: the policy's wait for a young pending label, not the failure backoff
    assert shipment.next_poll_at == policy_next(shipment, now)
    params = {**policy.DEFAULTS, **app.config["POLL_POLICY"]}
    young = timedelta(minutes=params["pending_early_minutes"])
    assert shipment.next_poll_at >= now + young
