"""Merchants' own carrier accounts: the poller asks the carrier with the shipment owner's credentials."""
import base64
from pathlib import Path

import pytest
import responses
from cryptography.fernet import Fernet

from tracking.carriers import http
from tracking.carriers.registry import get_adapter
from tracking.extensions import db
from tracking.models import CarrierAccount
from tracking.polling.poller import drain

from polling_helpers import reload

BASE = "https://ups.test"
SAMPLE = "1Z1442YY7229014688"
BODY = (Path(__file__).parent.parent / "fixtures" / "ups" / "track-v1.json").read_bytes()
CONFIG = {"CREDENTIALS_KEY": Fernet.generate_key().decode(),
          "CARRIERS": {"ups": {"client_id": "instance-id", "client_secret": "instance-secret",
                               "base_url": BASE}}}
pytestmark = pytest.mark.parametrize("app", [CONFIG], indirect=True)


@pytest.fixture(autouse=True)
def fresh_tokens():
    http.tokens.clear()
    yield
    http.tokens.clear()


@pytest.fixture
def ups_api(no_outbound_network):
    """A fake UPS: a token per client id; records which token asked for which number."""
    seen = []

    def token(request):
        client_id = base64.b64decode(request.headers["Authorization"].split()[1]).decode()
        return 200, {}, '{"access_token": "tok-%s", "expires_in": "14399"}' % client_id.split(":")[0]

    def track(request):
        seen.append(request.headers["Authorization"])
        return 200, {"Content-Type": "application/json"}, BODY

    no_outbound_network.add_callback(responses.POST, f"{BASE}/security/v1/oauth/token", token)
    no_outbound_network.add_callback(responses.GET, f"{BASE}/api/track/v1/details/{SAMPLE}", track)
    return seen


def own_account(merchant, **settings) -> CarrierAccount:
    account = CarrierAccount(merchant_id=merchant.id, carrier="ups")
    account.settings = settings
    db.session.add(account)
    db.session.commit()
    return account


def test_each_merchant_is_polled_with_its_own_credentials(app, make_merchant, make_shipment, ups_api):
    mine, theirs = make_merchant("mine"), make_merchant("theirs")
    own_account(mine, client_id="mine-id", client_secret="mine-secret")
    a = make_shipment(mine, number=SAMPLE, carrier="ups")
    b = make_shipment(theirs, number=SAMPLE, carrier="ups")
    summary = drain()
    assert summary.polled == 2, str(summary)
    assert sorted(ups_api) == ["Bearer tok-instance-id", "Bearer tok-mine-id"]
    assert reload(a).status == reload(b).status != "pending"


def test_account_settings_override_instance_ones(app, merchant):
    account = own_account(merchant, client_id="own", client_secret="s3cret")
    adapter = get_adapter("ups", merchant.id)
    assert adapter.settings["client_id"] == "own" and adapter.base_url == BASE
    assert get_adapter("ups").settings["client_id"] == "instance-id"
    assert get_adapter("ups", merchant.id) is adapter  # cached per account
    account.settings = {"client_id": "rotated", "client_secret": "s3cret"}
    db.session.commit()
    assert get_adapter("ups", merchant.id).settings["client_id"] == "rotated"


def test_merchant_without_account_gets_the_instance_adapter(app, merchant):
    assert get_adapter("ups", merchant.id) is get_adapter("ups")


def test_settings_are_not_stored_in_clear(app, merchant):
    account = own_account(merchant, client_id="own", client_secret="s3cret")
    assert "s3cret" not in account.settings_encrypted
    assert reload_account(account).settings == {"client_id": "own", "client_secret": "s3cret"}


def reload_account(account):
    db.session.expire_all()
    return db.session.get(CarrierAccount, account.id)
