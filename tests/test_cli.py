"""Flask CLI commands: merchants, API keys, the demo seed, one polling pass."""
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from tracking.extensions import db
from tracking.models import ApiKey, Merchant, Shipment


def invoke(runner, *args, input=None):
    return runner.invoke(args=list(args), input=input)


# --- create-merchant ----------------------------------------------------------------------------

def test_create_merchant(runner):
    result = invoke(runner, "create-merchant", "--slug", "shop", "--name", "The Shop",
                    "--timezone", "Europe/Berlin", "--locale", "de")
    assert result.exit_code == 0, result.output
    assert "shop" in result.output
    merchant = db.session.scalar(select(Merchant).filter_by(slug="shop"))
    assert (merchant.name, merchant.timezone, merchant.default_locale) == (
        "The Shop", "Europe/Berlin", "de")


def test_create_merchant_defaults(runner):
    assert invoke(runner, "create-merchant", "--slug", "plain", "--name", "Plain").exit_code == 0
    merchant = db.session.scalar(select(Merchant).filter_by(slug="plain"))
    assert (merchant.timezone, merchant.default_locale) == ("UTC", "en")


def test_duplicate_merchant_is_an_error(runner):
    assert invoke(runner, "create-merchant", "--slug", "shop", "--name", "One").exit_code == 0
    result = invoke(runner, "create-merchant", "--slug", "shop", "--name", "Two")
    assert result.exit_code != 0
    assert "exists" in result.output
    assert db.session.scalar(select(func.count()).select_from(Merchant)) == 1
    assert db.session.scalar(select(Merchant.name).filter_by(slug="shop")) == "One"


@pytest.mark.parametrize("args", [
    ("--name", "No slug"),
    ("--slug", "noname"),
])
def test_create_merchant_requires_slug_and_name(runner, args):
    result = invoke(runner, "create-merchant", *args)
    assert result.exit_code == 2
    assert "Missing option" in result.output


@pytest.mark.parametrize("slug", ["Acme", "acme shop", "acme/x", "-acme", "acme-", "", "a" * 64,
                                  "t", "api", "console", "static", "acme\n"])
def test_create_merchant_rejects_unusable_slugs(runner, slug):
    result = invoke(runner, "create-merchant", "--slug", slug, "--name", "X")
    assert result.exit_code == 2, result.output
    assert "--slug" in result.output
    assert db.session.scalar(select(func.count()).select_from(Merchant)) == 0


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../etc/passwd", "EST5EDT+garbage"])
def test_create_merchant_rejects_unknown_timezones(runner, zone):
    result = invoke(runner, "create-merchant", "--slug", "shop", "--name", "X", "--timezone", zone)
    assert result.exit_code == 2, result.output
    assert "--timezone" in result.output
    assert db.session.scalar(select(func.count()).select_from(Merchant)) == 0


# --- create-api-key -----------------------------------------------------------------------------

def test_create_api_key_prints_a_working_key(runner, client):
    assert invoke(runner, "create-merchant", "--slug", "shop", "--name", "Shop").exit_code == 0
    result = invoke(runner, "create-api-key", "--merchant", "shop")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1
    key = lines[0].strip()
    assert key.startswith("trk_") and len(key) > 40

    response = client.get("/api/v1/shipments", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["data"] == []

    assert client.get("/api/v1/shipments").status_code == 401
    wrong = client.get("/api/v1/shipments", headers={"Authorization": f"Bearer {key}x"})
    assert wrong.status_code == 401


def test_api_key_is_stored_hashed_and_named(runner):
    invoke(runner, "create-merchant", "--slug", "shop", "--name", "Shop")
    key = invoke(runner, "create-api-key", "--merchant", "shop", "--name", "shopify").output.strip()
    [stored] = db.session.scalars(select(ApiKey)).all()
    assert stored.name == "shopify"
    assert key not in (stored.key_hash, stored.prefix)
    assert stored.merchant.slug == "shop"


def test_each_api_key_is_new(runner):
    invoke(runner, "create-merchant", "--slug", "shop", "--name", "Shop")
    keys = {invoke(runner, "create-api-key", "--merchant", "shop").output.strip() for _ in range(3)}
    assert len(keys) == 3


def test_api_key_acts_for_its_own_merchant_only(runner, client, merchant, make_shipment):
    make_shipment(merchant, number="DEMOONTIME1")
    invoke(runner, "create-merchant", "--slug", "other", "--name", "Other")
    key = invoke(runner, "create-api-key", "--merchant", "other").output.strip()
    response = client.get("/api/v1/shipments", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.get_json()["data"] == []


def test_create_api_key_for_unknown_merchant_fails(runner):
    result = invoke(runner, "create-api-key", "--merchant", "ghost")
    assert result.exit_code != 0
    assert "no merchant" in result.output and "ghost" in result.output
    assert db.session.scalar(select(func.count()).select_from(ApiKey)) == 0


# --- seed-demo ----------------------------------------------------------------------------------

def test_seed_demo_prints_one_working_url_per_line(runner, client):
    result = invoke(runner, "seed-demo")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    shipments = db.session.scalars(select(Shipment)).all()
    assert len(lines) == len(shipments) == 7  # six scenarios, the first in two parcels
    for line in lines:
        url = urlsplit(line)
        assert url.scheme in ("http", "https") and url.netloc, line
        assert line == line.strip()
        assert re.fullmatch(r"/t/[A-Za-z0-9_-]{22,}", url.path), line
        response = client.get(url.path)
        assert response.status_code == 200, (line, response.status_code)
    assert {urlsplit(line).path.rsplit("/", 1)[1] for line in lines} == {
        s.public_token for s in shipments}


def test_seed_demo_count(runner):
    result = invoke(runner, "seed-demo", "--count", "2")
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 14
    assert db.session.scalar(select(func.count()).select_from(Merchant)) == 1


def test_seed_demo_twice_adds_new_shipments_to_one_demo_merchant(runner):
    # two runs within the same second must not hand back the first run's shipments
    first = invoke(runner, "seed-demo").output.splitlines()
    second = invoke(runner, "seed-demo").output.splitlines()
    assert len(first) == len(second) == 7
    assert not set(first) & set(second)
    assert db.session.scalar(select(func.count()).select_from(Shipment)) == 14
    assert db.session.scalar(select(func.count()).select_from(Merchant)) == 1
    orders = {s.order_id for s in db.session.scalars(select(Shipment))}
    assert len(orders) == 12  # six orders a run, the first one in two parcels



def test_seed_demo_sets_up_a_catalogue_and_offers_once(runner, client):
    from tracking.models import Offer, Product, ProductRecommendation
    lines = invoke(runner, "seed-demo").output.splitlines()
    invoke(runner, "seed-demo")
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 3
    assert db.session.scalar(select(func.count()).select_from(Product)) == 6
    assert db.session.scalar(select(func.count()).select_from(ProductRecommendation)) > 0
    token = urlsplit(lines[0]).path.rsplit("/", 1)[1]
    assert "offers-placeholder" in client.get(f"/t/{token}").get_data(as_text=True)
    phone = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                           "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"}
    offers = client.get(f"/t/{token}/offers", headers=phone).get_data(as_text=True)
    assert "Goes well with your order" in offers  # recommendations beside the timeline


# --- poll --once --------------------------------------------------------------------------------

def test_poll_once_prints_a_summary(runner):
    assert invoke(runner, "seed-demo").exit_code == 0
    result = invoke(runner, "poll", "--once")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("poll:")
    assert "claimed=7" in lines[0] and "polled=7" in lines[0] and "errors=0" in lines[0]
    db.session.expire_all()
    assert all(s.last_polled_at is not None for s in db.session.scalars(select(Shipment)))
    # everything due was polled: a second pass finds nothing
    again = invoke(runner, "poll", "--once")
    assert again.exit_code == 0 and again.output.startswith("poll: claimed=0")


def test_poll_once_with_nothing_due(runner):
    result = invoke(runner, "poll", "--once")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("poll:")
    assert "claimed=0" in result.output


def test_poll_needs_once(runner):
    assert invoke(runner, "poll").exit_code != 0
