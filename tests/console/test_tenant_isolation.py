"""Tenant isolation: walk every console, API and partial URL as merchant A against merchant B's ids.

Every rule of `app.url_map` is visited. Its arguments are filled from B's objects (and, as a sanity
check, from A's own); A's owner is signed in and A's API key is sent with every request. B's ids
must answer 403/404 (405 where a method is not allowed), B's data must never appear in a body A
receives, and B's rows must be unchanged afterwards. A's own ids must not answer 403/404, so the
walk cannot pass by asking for ids that exist nowhere. A rule whose arguments the walk cannot fill
fails the test: a new URL has to be added to ARGUMENTS (or to PUBLIC_BY_DESIGN, with a reason).
"""
import socket
from datetime import datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from tracking import outbound, shipments, timeline
from tracking.carriers.base import CarrierEvent, TrackResult
from tracking.extensions import db
from tracking.models import (ApiKey, Product, AuditEntry, ShipmentNote, CarrierAccount, CustomDomain, MessageTemplate, OutboundDelivery, Shipment, User, WebhookEndpoint,
                             WebhookMessage, WebhookSecret)
from tracking.models import Offer, OfferVariant

HOOK_HOST = "hooks.isolation.test"
TEST_DOMAIN = ".isolation.test"  # every name under it resolves to a public address (fake DNS)
HOOK_IP = "93.184.216.34"

# Rules reachable without an account by design; the walk does not treat them as tenant data.
PUBLIC_BY_DESIGN = {
    "pages.track": "shopper page: the unguessable public token is the secret",
    "pages.status": "live partial of the shopper page: same token, same rule",
    "console.reset_password": "the emailed reset token is the credential (signed, expiring)",
    "media_logo": "logos are shown on public tracking pages",
    "static": "static assets",
    "offers.slots": "offers partial of the shopper page: same token, same rule",
    "offers.click": "offer click redirect: the shopper page's token plus a link signed with SECRET_KEY",
}
# Arguments that name a global namespace rather than a tenant's row: any status is fine, the body
# must still not show B's data. (The carrier code picks the signed-in merchant's own account.)
NAMESPACE_ARGUMENTS = {"code": ["ups", "dhl"], "provider": ["easypost", "aftership", "shippo"],
                       "channel": ["sms", "email"], "locale": ["en", "es"]}  # message templates


def _scan(hours: int, status: str, text: str) -> CarrierEvent:
    return CarrierEvent(datetime(2024, 11, 20, 8, 0) + timedelta(hours=hours), 0, status, text,
                        carrier_status_code=status[:8].upper())


def _build(merchant, make_user, prefix: str) -> dict:
    """One merchant's data of every kind; its ids by kind and the strings that must not leak."""
    shipment, _ = shipments.register(merchant, {
        "tracking_number": f"DEMOONTIME{prefix}77", "carrier": "demo",
        "order": {"number": f"{prefix}-ORDER-9931", "customer": {"email": f"shopper@{prefix.lower()}.test"},
                  "items": [{"sku": f"{prefix}-SKU", "title": f"{prefix} secret widget", "quantity": 1}]},
        "destination": {"postal_code": "97205", "country": "US"},
    })
    db.session.commit()
    endpoint = outbound.register_endpoint(merchant, f"https://{HOOK_HOST}/{prefix.lower()}-hook",
                                          outbound.EVENT_TYPES, f"{prefix} endpoint description")
    db.session.commit()
    timeline.merge(shipment, TrackResult(shipment.tracking_number, events=[
        _scan(0, "in_transit", f"{prefix} picked up scan"), _scan(1, "out_for_delivery", f"{prefix} van scan")]))
    db.session.commit()
    _, raw_key = ApiKey.issue(merchant, f"{prefix} key name")
    owner = make_user(merchant, "owner", email=f"owner@{prefix.lower()}.test", name=f"{prefix} Owner Person")
    agent = make_user(merchant, "agent", email=f"agent@{prefix.lower()}.test", name=f"{prefix} Agent Person")
    account = CarrierAccount(merchant_id=merchant.id, carrier="ups")
    account.settings = {"client_id": f"{prefix}-client-id-4242", "client_secret": f"{prefix}-secret-{prefix[:4]}"}
    db.session.add(account)
    domain = CustomDomain(merchant_id=merchant.id, hostname=f"track.{prefix.lower()}{TEST_DOMAIN}")
    db.session.add(domain)
    db.session.add(WebhookSecret(merchant_id=merchant.id, provider="easypost", secret=f"{prefix}-whsec-4242"))
    db.session.add(Product(merchant_id=merchant.id, sku=f"{prefix}-SKU", title=f"{prefix} catalogue title",
                           category=f"{prefix} catalogue category", tags=[f"{prefix}-catalogue-tag"]))
    db.session.add(ShipmentNote(merchant_id=merchant.id, shipment_id=shipment.id, body=f"{prefix} support note"))
    db.session.add(AuditEntry(merchant_id=merchant.id, shipment_id=shipment.id, user_id=None, action="override",
                              changes={"status": ["in_transit", "exception"]}, reason=f"{prefix} override reason"))
    offer = Offer(merchant_id=merchant.id, name=f"{prefix} offer name", kind="banner", rules={"skus": [f"{prefix}-SKU"]})
    offer.variants.append(OfferVariant(merchant_id=merchant.id, name=f"{prefix} variant name",
                                       content={"en": {"headline": f"{prefix} offer headline"}}))
    db.session.add(offer)
    for channel in ("sms", "email"):
        db.session.add(MessageTemplate(merchant_id=merchant.id, channel=channel, locale="en",
                                       subject=f"{prefix} subject wording" if channel == "email" else None,
                                       body=f"{prefix} {channel} wording {{tracking_link}}"))
    db.session.commit()
    messages = db.session.scalars(select(WebhookMessage).filter_by(merchant_id=merchant.id)).all()
    deliveries = db.session.scalars(select(OutboundDelivery).filter_by(merchant_id=merchant.id)).all()
    assert messages and deliveries, "status changes should have queued outbound deliveries"
    keys = db.session.scalars(select(ApiKey).filter_by(merchant_id=merchant.id)).all()
    return {
        "merchant": merchant, "owner": owner, "raw_key": raw_key, "shipment": shipment,
        "ids": {
            "shipment": [shipment.id], "order": [shipment.order_id] if getattr(shipment, "order_id", None) else [],
            "key": [k.id for k in keys], "user": [owner.id, agent.id], "endpoint": [endpoint.id],
            "delivery": [d.id for d in deliveries], "message": [m.id for m in messages],
            "carrier_account": [account.id],
            "event": [e.id for e in shipment.events], "domain": [domain.id],
            "offer": [offer.id], "variant": [v.id for v in offer.variants],
        },
        "markers": [shipment.tracking_number, f"{prefix}-ORDER-9931", f"shopper@{prefix.lower()}.test",
                    f"{prefix} secret widget", f"{prefix} picked up scan", f"{prefix}-hook",
                    f"{prefix} endpoint description", f"{prefix} key name", owner.email, agent.email,
                    f"{prefix} Owner Person", f"{prefix} Agent Person", f"{prefix}-client-id-4242",
                    f"{prefix}-secret-{prefix[:4]}", f"••••{prefix[:4]}", f"{prefix}-whsec-4242", domain.hostname, merchant.name,
                    f"{prefix} sms wording", f"{prefix} email wording", f"{prefix} subject wording",
                    f"{prefix} catalogue title", f"{prefix} catalogue category", f"{prefix}-catalogue-tag",
                    endpoint.secret, raw_key, shipment.public_token, f"{prefix} support note",
                    f"{prefix} override reason", f"{prefix} offer name", f"{prefix} variant name",
                    f"{prefix} offer headline"],
    }


# Argument name -> the kind of B's object it names. "id" is read from the endpoint's name.
ARGUMENTS = {"shipment_id": "shipment", "order_id": "order", "key_id": "key", "user_id": "user",
             "member_id": "user", "endpoint_id": "endpoint", "delivery_id": "delivery",
             "message_id": "message", "domain_id": "domain", "account_id": "carrier_account", "event_id": "event",
             "offer_id": "offer", "variant_id": "variant"}
ID_KINDS = [("deliver", "delivery"), ("message", "message"), ("endpoint", "endpoint"), ("webhook", "endpoint"),
            ("key", "key"), ("user", "user"), ("team", "user"), ("member", "user"), ("order", "order"),
            ("shipment", "shipment"), ("domain", "domain"), ("carrier", "carrier_account"), ("event", "event")]


def _kind(rule, argument: str) -> str | None:
    if argument in ARGUMENTS:
        return ARGUMENTS[argument]
    if argument == "id":
        return next((kind for word, kind in ID_KINDS if word in rule.endpoint.lower()), None)
    return None


def _fill(rule, data: dict) -> list[dict] | None:
    """Every combination of `data`'s values for the rule's arguments; None when one is unknown."""
    combos = [{}]
    for argument in sorted(rule.arguments):
        if argument in NAMESPACE_ARGUMENTS:
            values = NAMESPACE_ARGUMENTS[argument]
        elif argument == "slug":
            values = [data["merchant"].slug]
        else:
            kind = _kind(rule, argument)
            if kind is None:
                return None
            values = data["ids"][kind]
        combos = [{**combo, argument: value} for combo in combos for value in values]
    return combos


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


@pytest.fixture
def fake_dns(monkeypatch):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and name.endswith(TEST_DOMAIN):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (HOOK_IP, port or 443))]
        return real(host, port, *args, **kwargs)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def world(app, make_merchant, make_user, fake_dns):
    app.config["CREDENTIALS_KEY"] = Fernet.generate_key().decode()
    a = _build(make_merchant("alpha", name="Alpha Goods"), make_user, "ALPHA")
    b = _build(make_merchant("bravo", name="Bravo Widgets"), make_user, "BRAVO")
    return a, b


def _as_a(app, a, logged_in):
    client = logged_in(app.test_client(), a["owner"])
    headers = {"Authorization": f"Bearer {a['raw_key']}"}

    def request(method: str, url: str):
        kwargs = {"json": {}} if url.startswith("/api/") and method != "GET" else {"data": {}}
        return client.open(url, method=method, headers=headers, **({} if method == "GET" else kwargs))
    return request


def _snapshot(merchant_id: int) -> dict:
    db.session.expire_all()
    rows = {}
    for model in (CustomDomain, ApiKey, User, CarrierAccount, WebhookEndpoint, WebhookSecret, Shipment, OutboundDelivery,
                  Product, Offer, OfferVariant,
                  MessageTemplate):
        for row in db.session.scalars(select(model).filter_by(merchant_id=merchant_id)):
            rows[(model.__name__, row.id)] = {c.key: getattr(row, c.key) for c in model.__table__.columns}
    return rows


def test_merchant_a_cannot_reach_merchant_b(app, world, logged_in):
    a, b = world
    request = _as_a(app, a, logged_in)
    b_before = _snapshot(b["merchant"].id)
    unfillable, problems, checked, own_checked, own_later = [], [], [], [], []

    def leaks(body: str) -> list[str]:
        return [m for m in b["markers"] if m and m in body]

    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    for rule in rules:
        if rule.endpoint in PUBLIC_BY_DESIGN or rule.endpoint == "console.logout":
            continue
        if not rule.arguments:  # lists, dashboards, forms: A's view must show nothing of B's
            if "GET" in rule.methods:
                response = request("GET", rule.rule)
                if found := leaks(response.get_data(as_text=True)):
                    problems.append(f"GET {rule.rule}: {response.status_code} shows B's {found}")
                checked.append(f"GET {rule.rule}")
            continue
        b_values, a_values = _fill(rule, b), _fill(rule, a)
        if b_values is None:
            unfillable.append(f"{rule.rule} ({rule.endpoint}) arguments {sorted(rule.arguments)}")
            continue
        tenant_owned = any(arg not in NAMESPACE_ARGUMENTS for arg in rule.arguments)
        for method in _methods(rule):
            for values in b_values:
                url = app.url_map.bind("localhost").build(rule.endpoint, values, method=method)
                if rule.endpoint == "pages.lookup_page":
                    continue  # walked below with B's order numbers
                response = request(method, url)
                body = response.get_data(as_text=True)
                checked.append(f"{method} {url} -> {response.status_code}")
                if tenant_owned and response.status_code not in (403, 404, 405):
                    problems.append(f"{method} {url} (B's ids {values}) answered {response.status_code}")
                if found := leaks(body):
                    problems.append(f"{method} {url}: {response.status_code} shows B's {found}")
        # Sanity: the same URL with A's own ids is reachable, so B's 404s mean something.
        if tenant_owned and a_values:
            own_later.append((rule, a_values[0]))

    # Sanity, after the walk (POSTs change A's own rows: revoke, disable, replay ...).
    for rule, values in own_later:
        for method in _methods(rule):
            url = app.url_map.bind("localhost").build(rule.endpoint, values, method=method)
            status = request(method, url).status_code
            own_checked.append(f"{method} {url} -> {status}")
            if status in (403, 404):
                problems.append(f"sanity: A's own {method} {url} answered {status}")

    # The order lookup as A's customer: B's order numbers and tracking numbers are not found there.
    slug_url = f"/{a['merchant'].slug}/track"
    b_ship, a_ship = b["shipment"], a["shipment"]
    for form in ({"order-order_number": "BRAVO-ORDER-9931", "order-contact": "shopper@bravo.test"},
                 {"number-tracking_number": b_ship.tracking_number}):
        response = app.test_client().post(slug_url, data=form)
        # The form echoes what was typed; anything else of B's on the page is a find.
        found = [m for m in leaks(response.get_data(as_text=True)) if m not in form.values()]
        checked.append(f"POST {slug_url} {form} -> {response.status_code}")
        if response.status_code in (301, 302, 303) or found:
            problems.append(f"POST {slug_url} with B's {form} found it: {response.status_code} "
                            f"{response.headers.get('Location')} {found}")
    own = app.test_client().post(slug_url, data={"order-order_number": "ALPHA-ORDER-9931",
                                                 "order-contact": "shopper@alpha.test"})
    assert own.status_code in (302, 303) and a_ship.public_token in own.headers["Location"], \
        f"sanity: A's own order not found through {slug_url} ({own.status_code})"
    own = app.test_client().post(slug_url, data={"number-tracking_number": a_ship.tracking_number})
    assert "ALPHA picked up scan" in own.get_data(as_text=True), \
        f"sanity: A's own tracking number not found through {slug_url}"

    print("\n".join(["checked:", *checked, "own ids:", *own_checked]))
    assert not unfillable, ("URL rules the isolation walk cannot fill (add their arguments to ARGUMENTS, "
                            "or to PUBLIC_BY_DESIGN with a reason):\n" + "\n".join(unfillable))
    assert not problems, "tenant isolation problems:\n" + "\n".join(problems)
    assert _snapshot(b["merchant"].id) == b_before, "A's requests changed B's rows"
    assert own_checked, "no tenant-owned URL was checked with A's own ids"

    # Positive control: the markers are strings the app really shows, to B's own owner.
    as_b = logged_in(app.test_client(), b["owner"])
    shown = {m for rule in rules if not rule.arguments and "GET" in rule.methods
             and rule.endpoint not in PUBLIC_BY_DESIGN
             for m in b["markers"] if m in as_b.get(rule.rule).get_data(as_text=True)}
    assert len(shown) >= 3, f"B's own console shows too few of B's markers to trust the leak check: {shown}"
