"""Outbound webhooks: merchants' endpoints get signed `shipment.*` events, retried from a queue.

The flow: `timeline.merge` sends `signals.shipment_status_changed`; `events.on_status_changed`
adds a message and a delivery per subscribed endpoint to the same transaction; the worker's
`delivery.deliver_all_due` claims due deliveries, checks the URL (`ssrf`), POSTs the body
signed the Standard Webhooks way (`signing`) and retries failures with backoff until `dead`.

What the console calls is re-exported here.
"""
from flask import Flask

from ..signals import shipment_status_changed
from .delivery import DeliverySummary, deliver_all_due, deliver_due, replay
from .endpoints import (disable, enable, endpoints_of, get_endpoint, register_endpoint,
                        rotate_secret, update_endpoint, validate_events, validate_url)
from .events import EVENT_DESCRIPTIONS, EVENT_TYPES, on_status_changed
from .log import STATUSES, delivery_log, get_delivery, prune
from .ssrf import RefusedURL

__all__ = [
    "DeliverySummary", "EVENT_DESCRIPTIONS", "EVENT_TYPES", "RefusedURL", "STATUSES",
    "deliver_all_due", "deliver_due", "delivery_log", "disable", "enable", "endpoints_of",
    "get_delivery", "get_endpoint", "prune", "register", "register_endpoint", "replay",
    "rotate_secret", "update_endpoint", "validate_events", "validate_url",
]


def register(app: Flask) -> None:
    """Queue messages on status changes (in every process that merges) and add the CLI command."""
    from .cli import deliver_webhooks
    shipment_status_changed.connect(on_status_changed)  # connecting twice is a no-op
    app.cli.add_command(deliver_webhooks)
