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


# The demo shop's catalogue: what it sold above, and what it could suggest next.
PRODUCTS = [
    {"sku": "TEE-ORG-M", "title": "Organic cotton T-shirt, M", "price": Decimal("24.00"), "category": "apparel",
     "image_url": "/static/img/demo-tee.svg"},
    {"sku": "MUG-STN", "title": "Stoneware mug", "price": Decimal("18.50"), "category": "home",
     "image_url": "/static/img/demo-mug.svg"},
    {"sku": "TEA-SMP", "title": "Loose-leaf tea sampler", "price": Decimal("12.00"), "category": "home",
     "replenish_after_days": 30},
    {"sku": "TOTE-CNV", "title": "Canvas tote bag", "price": Decimal("16.00"), "category": "apparel"},
    {"sku": "SOCK-WL", "title": "Merino socks", "price": Decimal("14.00"), "category": "apparel"},
    {"sku": "CANDLE-CDR", "title": "Cedar candle", "price": Decimal("22.00"), "category": "home"},
]


def _variant(merchant: Merchant, content: dict, **fields):
    from .models import OfferVariant
    return OfferVariant(merchant_id=merchant.id, name="A", content={"en": content}, **fields)


def seed_offers() -> int:
    """The demo shop's catalogue, three offers and its recommendations (once); returns how many
    offers were added. Shows what a merchant would set up in the console."""
    from .models import Offer
    from .offers import catalogue, recommend
    merchant = demo_merchant()
    if db.session.scalar(select(Offer.id).filter_by(merchant_id=merchant.id).limit(1)):
        return 0
    shop = "https://juniper.example"
    catalogue.upsert(merchant.id, [dict(p, currency="USD", url=f"{shop}/p/{p['sku'].lower()}", in_stock=True)
                                   for p in PRODUCTS])
    offers = [
        Offer(merchant_id=merchant.id, name="Sorry for the wait", kind="discount_code", priority=10,
              rules={"status": ["exception", "failed_attempt"]}, variants=[_variant(merchant, {
                  "headline": "Sorry your parcel is taking longer",
                  "body": "Here is 15% off your next order while we sort it out.",
                  "cta": "Shop now"}, discount_code="SORRY15", link_url=shop)]),
        Offer(merchant_id=merchant.id, name="Goes well with", kind="recommendations",
              placement="beside_timeline", variants=[_variant(merchant, {
                  "headline": "Goes well with your order", "body": "", "cta": ""})]),
        Offer(merchant_id=merchant.id, name="Review", kind="review_request", placement="after_delivery",
              variants=[_variant(merchant, {"headline": "How was your order?",
                                            "body": "Tell us in two minutes.", "cta": "Write a review"},
                                 link_url=f"{shop}/reviews")]),
    ]
    db.session.add_all(offers)
    _order_history(merchant)
    db.session.commit()
    recommend.compute(merchant.id)
    return len(offers)


# Past baskets (without parcels) for the recommendations to learn from, each bought 6 times.
BASKETS = [("MUG-STN", "TEA-SMP"), ("MUG-STN", "CANDLE-CDR"), ("TEE-ORG-M", "SOCK-WL"),
           ("TEE-ORG-M", "TOTE-CNV"), ("TEA-SMP",), ("SOCK-WL", "TOTE-CNV")]


def _order_history(merchant: Merchant) -> None:
    from .models import LineItem, Order
    by_sku = {p["sku"]: p for p in PRODUCTS}
    now = utcnow()
    for n in range(6):
        for b, basket in enumerate(BASKETS):
            placed = now - timedelta(days=5 + 9 * n + b)
            order = Order(merchant_id=merchant.id, number=f"JC-PAST-{n}{b}", placed_at=placed,
                          created_at=placed, customer_email=f"past-{n}-{b}@example.com")
            order.items = [LineItem(sku=sku, title=by_sku[sku]["title"], quantity=1,
                                    price=by_sku[sku]["price"], currency="USD",
                                    category=by_sku[sku]["category"]) for sku in basket]
            db.session.add(order)
