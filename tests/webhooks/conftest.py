"""Fixtures for the webhook tests: secrets per merchant and provider, a UPS shipment, a poster."""
import pytest

from tracking.extensions import db
from tracking.models import WebhookSecret
from webhook_helpers import NUMBER, SECRETS, SIGNERS, dumps


@pytest.fixture
def set_secret(app):
    def put(merchant, provider: str, secret: str | None = None) -> str:
        secret = secret or SECRETS[provider]
        db.session.add(WebhookSecret(merchant_id=merchant.id, provider=provider, secret=secret))
        db.session.commit()
        return secret
    return put


@pytest.fixture
def secrets_of(merchant, set_secret):
    """The merchant's secret for every provider."""
    return {provider: set_secret(merchant, provider) for provider in SECRETS}


@pytest.fixture
def shipment(merchant, make_shipment):
    return make_shipment(merchant, number=NUMBER, carrier="ups")


@pytest.fixture
def post(client, merchant):
    """POST a payload to a provider's webhook, signed with `secret` (the merchant's by default)."""
    def send(provider: str, payload, *, secret: str | None = None, slug: str | None = None,
             headers: dict | None = None, body: bytes | None = None, query: str = ""):
        body = dumps(payload) if body is None else body
        if headers is None:
            headers = SIGNERS[provider](body, secret or SECRETS[provider])
        slug = merchant.slug if slug is None else slug
        url = f"/webhooks/{provider}?merchant={slug}{query}"
        return client.post(url, data=body, headers=headers)
    return send

