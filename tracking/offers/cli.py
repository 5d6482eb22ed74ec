"""`flask --app wsgi recommendations [--merchant SLUG]`: recompute recommendations now."""
import click
from sqlalchemy import select

from ..extensions import db
from ..models import Merchant
from .recommend import compute, compute_all


@click.command("recommendations")
@click.option("--merchant", "slug", help="Only this merchant (its slug); default: every merchant.")
def recommendations(slug: str | None) -> None:
    """Recompute product recommendations from order history; print one line per merchant."""
    if slug:
        merchant_id = db.session.scalar(select(Merchant.id).filter_by(slug=slug))
        if merchant_id is None:
            raise click.ClickException(f"no merchant with slug {slug!r}")
        summaries = [compute(merchant_id)]
    else:
        summaries = compute_all()
    for s in summaries:
        click.echo(f"merchant {s.merchant_id}: {s.rows} recommendations for {s.products} products "
                   f"from {s.orders} orders in {s.seconds:.2f}s")
    if not summaries:
        click.echo("no merchant has products or orders")
