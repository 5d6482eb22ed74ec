"""Standard Webhooks signatures: the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers."""
from datetime import datetime, timezone

from standardwebhooks import Webhook

from ..models import WebhookEndpoint


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The endpoint's secret, and the one it replaced while that is still honoured."""
    secrets = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        secrets.append(endpoint.previous_secret)
    return secrets


def signature_headers(message_id: str, body: str, secrets: list[str], at: datetime) -> dict:
    """Headers that let a receiver verify `body` with `standardwebhooks.Webhook(secret).verify`.

    One `v1,` signature per secret, space-separated, so a receiver holding either the new or
    the previous secret accepts the message during a rotation. `at` (aware) should be the time
    of sending: receivers refuse timestamps more than five minutes off their clock.
    """
    at = at.astimezone(timezone.utc).replace(microsecond=0)  # sign() reads it as UTC
    signatures = " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }
