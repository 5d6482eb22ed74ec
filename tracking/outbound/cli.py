"""`flask --app wsgi deliver-webhooks`: deliver every due outbound webhook once, then exit."""
import click

from .delivery import deliver_all_due


@click.command("deliver-webhooks")
def deliver_webhooks() -> None:
    """Try every due outbound webhook delivery once, print a summary, exit."""
    click.echo(f"deliver-webhooks: {deliver_all_due()}")
