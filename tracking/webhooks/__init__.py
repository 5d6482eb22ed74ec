"""Inbound webhooks from tracking aggregators (EasyPost, AfterShip, Shippo), merged like polls.

`POST /webhooks/<provider>?merchant=<slug>`: the merchant's slug in the query names whose secret
verifies the push (see each provider module for its scheme); the shipment is that merchant's with
the pushed tracking number.
"""
from flask import Flask

from ..extensions import csrf
from .cli import set_webhook_secret
from .routes import bp


def register(app: Flask) -> None:
    """Mount the blueprint (no cookies, so no CSRF) and its CLI command."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.cli.add_command(set_webhook_secret)
