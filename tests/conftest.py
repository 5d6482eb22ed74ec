"""Shared fixtures: an app per test on SQLite (and PostgreSQL when configured), clients, sample data."""
import os
import socket
import uuid
from datetime import timedelta

import pytest
import responses
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tracking import create_app
from tracking.db import normalise_url
from tracking.extensions import db
from tracking.models import ApiKey, Merchant
from tracking.models.types import utcnow

PG_URL = os.environ.get("TRACKING_TEST_DATABASE_URL")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


def _loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    return isinstance(host, str) and (host.startswith("127.") or host in ("::1", "localhost")) \
        or not isinstance(address, tuple)


@pytest.fixture(autouse=True)
def no_outbound_network(monkeypatch):
    """Tests reach only this machine: `requests` calls must be mocked with `responses`."""
    real_connect = socket.socket.connect

    def guarded(sock, address):
        if not _loopback(address):
            raise RuntimeError(f"test tried to reach {address!r}: mock it with responses")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru("http://127.0.0.1")
        mock.add_passthru("http://localhost")
        yield mock


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this run, dropped at the end."""
    if not PG_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("REQUIRE_POSTGRES=1 but TRACKING_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL not configured (set TRACKING_TEST_DATABASE_URL)")
    admin_url = normalise_url(PG_URL)
    name = f"tracking_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def base_config(url: str, instance: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_BASE_URL": "https://track.test",
        "DEMO_SECONDS_PER_HOUR": 1,
        "PAGE_REFRESH_SECONDS": 30,
        "POLL_POLICY": {"jitter": 0},  # deterministic schedules; the policy's own tests vary it
        "POLL_THREADS": 1,
        "PAGE_VIEW_FLUSH_SECONDS": 0,  # views written as they happen, inside the test that made them
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def app(request, backend, tmp_path):
    """An app on a clean database: tables created once per run, emptied after each test."""
    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "postgres_url"}[backend])
    app = create_app({**base_config(url, str(tmp_path)), **getattr(request, "param", {})})
    with app.app_context():
        db.create_all()
        yield app
        db.session.rollback()
        _empty_tables()
        db.session.remove()
        db.engine.dispose()


def _empty_tables() -> None:
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_merchant(app):
    """Create merchants: make_merchant("acme", name=..., timezone=...)."""
    def make(slug: str = "acme", **fields) -> Merchant:
        merchant = Merchant(slug=slug, name=fields.pop("name", slug.title()), **fields)
        db.session.add(merchant)
        db.session.commit()
        return merchant
    return make


@pytest.fixture
def merchant(make_merchant):
    return make_merchant("acme", name="Acme Goods", timezone="America/New_York",
                         support_email="help@acme.test", returns_url="https://acme.test/returns")


@pytest.fixture
def api_headers(merchant):
    """Authorization headers carrying a fresh key of `merchant`."""
    _, raw = ApiKey.issue(merchant, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def make_shipment(app):
    """Register a demo-carrier shipment for a merchant through the same path the API uses."""
    from tracking import shipments

    def make(merchant, number="DEMOONTIME1", order_number="1001", registered_hours_ago=0.0, **extra):
        data = {
            "tracking_number": number, "carrier": extra.pop("carrier", "demo"),
            "order": {"number": order_number, "customer": {"email": "shopper@example.com"},
                      "items": extra.pop("items", [])},
            "destination": extra.pop("destination", {"postal_code": "97205", "country": "US"}),
            "registered_at": utcnow() - timedelta(hours=registered_hours_ago),
            **extra,
        }
        shipment, _ = shipments.register(merchant, data)
        db.session.commit()
        return shipment
    return make
