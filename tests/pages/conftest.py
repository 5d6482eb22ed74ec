"""Helpers for page tests: put events on a shipment the way a poll would."""
from datetime import datetime

import pytest

from tracking import timeline
from tracking.carriers.base import CarrierEvent, Location, TrackResult
from tracking.extensions import db


def scan(when: str, status: str, text: str = "Scan", offset: int | None = -300, substatus=None,
         city: str = "Louisville", code: str = "AR") -> CarrierEvent:
    """A carrier event at local time `when` (ISO, no offset)."""
    return CarrierEvent(
        occurred_at_local=datetime.fromisoformat(when), utc_offset_minutes=offset, status=status,
        description=text, carrier_status_code=code, substatus=substatus,
        location=Location(city=city, region="KY", postal_code="40201", country="US"),
    )


@pytest.fixture
def add_events():
    """Merge carrier events into a shipment and commit, as the worker does."""
    def add(shipment, *events, **summary):
        result = TrackResult(tracking_number=shipment.tracking_number, events=list(events), **summary)
        merged = timeline.merge(shipment, result)
        db.session.commit()
        return merged
    return add
