"""Flask CLI commands: seeding, polling, the worker, merchants and API keys."""
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import Flask, current_app
from sqlalchemy import select

from .extensions import db
from .models import ApiKey, Merchant

# A slug is the first path segment of the merchant's lookup page (/<slug>/track), so it must be
# URL-safe and must not shadow the app's own top-level paths.
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
RESERVED_SLUGS = frozenset({
    "t", "api", "console", "support", "webhooks", "static", "metrics", "healthz",
})


def _merchant_or_exit(slug: str) -> Merchant:
    merchant = db.session.scalar(select(Merchant).filter_by(slug=slug))
    if merchant is None:
        raise click.ClickException(f"no merchant with slug {slug!r}")
    return merchant


@click.command("seed-demo")
@click.option("--count", default=1, show_default=True, help="Orders per scenario.")
def seed_demo(count: int) -> None:
    """Create the demo merchant and shipments; print each tracking URL on its own line."""
    from . import demo_data, shipments
    seconds_per_hour = current_app.config["DEMO_SECONDS_PER_HOUR"]
    for shipment in demo_data.seed(count, seconds_per_hour):
        click.echo(shipments.tracking_url(shipment))
    demo_data.seed_offers()  # a catalogue and three offers, as a merchant would set them up


@click.command("poll")
@click.option("--once", is_flag=True, required=True, help="Poll every due shipment once, then exit.")
def poll(once: bool) -> None:
    """Poll every due shipment once, print a summary, exit."""
    from .polling.poller import drain
    click.echo(f"poll: {drain()}")


@click.command("worker")
def worker() -> None:
    """Run the APScheduler polling worker (blocking)."""
    from .logs import configure
    configure(current_app.config["LOG_FORMAT"])
    from .polling.worker import run_worker
    run_worker(current_app._get_current_object())


@click.command("create-merchant")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--timezone", default="UTC", show_default=True)
@click.option("--locale", default="en", show_default=True)
def create_merchant(slug: str, name: str, timezone: str, locale: str) -> None:
    """Create a merchant."""
    if not SLUG.fullmatch(slug) or slug in RESERVED_SLUGS:
        raise click.BadParameter(
            "use 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen,"
            f" and none of {', '.join(sorted(RESERVED_SLUGS))}", param_hint="--slug")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{timezone!r} is not an IANA time zone (e.g. America/Chicago)",
                                 param_hint="--timezone") from None
    if db.session.scalar(select(Merchant).filter_by(slug=slug)):
        raise click.ClickException(f"merchant {slug!r} exists already")
    db.session.add(Merchant(slug=slug, name=name, timezone=timezone, default_locale=locale))
    db.session.commit()
    click.echo(f"created merchant {slug}")


@click.command("create-api-key")
@click.option("--merchant", "slug", required=True)
@click.option("--name", default="default", show_default=True)
def create_api_key(slug: str, name: str) -> None:
    """Create an API key for a merchant and print it, once."""
    _, raw = ApiKey.issue(_merchant_or_exit(slug), name)
    db.session.commit()
    click.echo(raw)


def register(app: Flask) -> None:
    """Attach the commands to `flask --app wsgi`."""
    from .carriers.cli import carriers
    from .cli_users import create_user
    from .polling.cli import polling_status
    from .offers.cli import recommendations
    for command in (seed_demo, poll, worker, create_merchant, create_api_key, create_user,
                    carriers, polling_status, recommendations):
        app.cli.add_command(command)
