"""Fixtures for the message-template tests: a shipment whose order has every customer detail."""
from datetime import timedelta

import pytest

from tracking.extensions import db
from tracking.models import MessageTemplate
from tracking.models.types import utcnow


@pytest.fixture
def shipment(merchant, make_shipment):
    """Acme's shipment for Ada Lovelace (email and phone), in transit, due in two days."""
    made = make_shipment(merchant, order={
        "number": "A-1001", "customer": {"email": "ada@example.com", "phone": "+44 20 7946 0000",
                                          "name": "Ada  Lovelace"}})
    made.status = "in_transit"
    made.estimated_delivery_earliest = made.estimated_delivery_latest = utcnow() + timedelta(days=2)
    db.session.commit()
    return made


@pytest.fixture
def save_template():
    """save_template(merchant, channel, locale, body, subject=None): store a merchant's own text."""
    def save(merchant, channel, locale, body, subject=None):
        template = MessageTemplate(merchant_id=merchant.id, channel=channel, locale=locale,
                                   subject=subject, body=body)
        db.session.add(template)
        db.session.commit()
        return template
    return save
