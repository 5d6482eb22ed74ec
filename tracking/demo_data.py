"""Demo merchant and shipments on the simulated carrier, for the quick start and the benchmarks."""
import secrets
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from . import shipments
from .extensions import db
from .models import Merchant
from .models.types import utcnow

# Scenario word and how many scenario hours ago it started: each shipment is seeded a little
# before its next interesting scan, so the page visibly moves within minutes of starting.
SCENARIOS = {"ONTIME": 54, "DELAYED": 30, "ATTEMPT": 55, "EXCEPTION": 30, "PICKUP": 31, "RETURN": 80}

ITEMS = [
    {"sku": "TEE-ORG-M", "title": "Organic cotton T-shirt, M", "quantity": 2, "price": Decimal("24.00"),
     "currency": "USD", "image_url": "/static/img/demo-tee.svg", "category": "apparel"},
    {"sku": "MUG-STN", "title": "Stoneware mug", "quantity": 1, "price": Decimal("18.50"),
     "currency": "USD", "image_url": "/static/img/demo-mug.svg", "category": "home"},
]


def demo_merchant() -> Merchant:
    """The demo shop, created once."""
    merchant = db.session.scalar(select(Merchant).filter_by(slug="demo-shop"))
    if merchant is None:
        merchant = Merchant(
            slug="demo-shop", name="Juniper & Co.", brand_color="#1f4e79", accent_color="#b45309",
            font="system", support_email="help@juniper.example", support_phone="+1 555 0100",
            support_url="https://juniper.example/help", returns_url="https://juniper.example/returns",
            default_locale="en", timezone="America/Chicago",
        )
        db.session.add(merchant)
        db.session.flush()
    return merchant


def seed(count_per_scenario: int = 1, seconds_per_hour: float = 60) -> list:
    """One order per scenario (the first in two parcels); returns the new shipments."""
    merchant = demo_merchant()
    now = utcnow()
    # Hex cannot spell a scenario word, and makes two seeds in the same second distinct: without
    # it the second would hand back the first one's shipments and orders.
    run = secrets.token_hex(2).upper()
    created = []
    for n in range(count_per_scenario):
        for i, (word, hours_ago) in enumerate(SCENARIOS.items()):
            number = f"DEMO{word}{now:%H%M%S}{run}{n:03d}"
            order = {"number": f"JC-{now:%m%d%H%M%S}-{run}-{n}{i}",
                     "placed_at": now - timedelta(hours=2),
                     "customer": {"email": "alex@example.com", "name": "Alex Doe"}, "items": ITEMS}
            data = {"tracking_number": number, "carrier": "demo", "order": order,
                    "destination": {"city": "Portland", "region": "OR", "postal_code": "97205",
                                    "country": "US"},
                    "registered_at": now - timedelta(seconds=hours_ago * seconds_per_hour)}
            shipment, _ = shipments.register(merchant, data)
            created.append(shipment)
            if i == 0:
                second = dict(data, tracking_number=number + "B", registered_at=now)
                created.append(shipments.register(merchant, second)[0])
    db.session.commit()
    return created
