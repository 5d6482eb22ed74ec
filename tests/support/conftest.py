"""Support console fixtures: the console's users and signed-in clients, shipments with scans."""
from datetime import datetime, timedelta

import pytest

from tests.console.conftest import (PASSWORD, admin, agent, console_client, logged_in, make_user,  # noqa: F401
                                    owner)
from tracking import timeline
from tracking.carriers.base import CarrierEvent, TrackResult
from tracking.extensions import db


def scan(hours: float, status: str, text: str, code: str | None = None, offset: int | None = 0,
         substatus: str | None = None, start: datetime = datetime(2024, 11, 20, 8, 0)) -> CarrierEvent:
    """A carrier scan `hours` after `start`, wall time with the given UTC offset (minutes)."""
    return CarrierEvent(start + timedelta(hours=hours), offset, status, text,
                        carrier_status_code=code or status[:2].upper(), substatus=substatus)


@pytest.fixture
def with_scans():
    """with_scans(shipment, *scans, **result fields): merge them as a poll would, committed."""
    def merge(shipment, *scans, **fields):
        result = timeline.merge(shipment, TrackResult(shipment.tracking_number, events=list(scans),
                                                      **fields))
        db.session.commit()
        return result
    return merge


@pytest.fixture
def agent_client(agent, console_client):
    """A client signed in as the merchant's agent."""
    return console_client(agent)
