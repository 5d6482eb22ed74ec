"""`flask --app wsgi set-webhook-secret`: the secret a provider signs a merchant's pushes with."""
import secrets
import sys

import click
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Merchant, WebhookSecret
from .routes import PROVIDERS

MAX_SECRET = 500


def _read_secret() -> str:
    """From a terminal, a hidden prompt; from a pipe, the first line of stdin."""
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt("Secret", hide_input=True).strip()
    return sys.stdin.readline().strip() if sys.stdin is not None else ""


@click.command("set-webhook-secret")
@click.option("--merchant", "slug", required=True)
@click.option("--provider", required=True, type=click.Choice(sorted(PROVIDERS)))
@click.option("--generate", is_flag=True,
              help="Make a random secret and print it once (e.g. for Shippo's ?token=).")
def set_webhook_secret(slug: str, provider: str, generate: bool) -> None:
    """Set or replace a merchant's secret for a provider; read from stdin unless --generate."""
    merchant = db.session.scalar(select(Merchant).filter_by(slug=slug))
    if merchant is None:
        raise click.ClickException(f"no merchant with slug {slug!r}")
    secret = secrets.token_urlsafe(32) if generate else _read_secret()
    if not secret or len(secret) > MAX_SECRET:
        raise click.ClickException(f"the secret must be 1 to {MAX_SECRET} characters")
    row = db.session.scalar(
        select(WebhookSecret).filter_by(merchant_id=merchant.id, provider=provider))
    if row is None:
        db.session.add(WebhookSecret(merchant_id=merchant.id, provider=provider, secret=secret))
    else:
        row.secret = secret  # a replacement takes effect at once: the old secret stops working
    db.session.commit()
    if generate:
        click.echo(secret)
    url = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/webhooks/{provider}?merchant={slug}"
    token = "&token=<the secret>" if provider == "shippo" else ""
    click.echo(f"webhook secret for {provider} set; point {provider} at {url}{token}", err=True)
