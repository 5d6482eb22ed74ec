"""`flask --app wsgi carriers`: which adapters loaded, which failed and why, which lack settings."""
import click

from .registry import discovery, get_adapter


@click.command("carriers")
@click.option("--traceback", "show_traceback", is_flag=True, help="Print each failure in full.")
def carriers(show_traceback: bool) -> None:
    """List carrier adapters: loaded, configured, or failed to import."""
    found = discovery()
    for code, cls in sorted(found.adapters.items()):
        missing = get_adapter(code).missing_settings()
        state = "ready" if not missing else "missing settings: " + ", ".join(missing)
        click.echo(f"{code:12} {cls.name:24} batch {cls.batch_size:<3} {state}")
    for name, trace in sorted(found.failures.items()):
        last = trace.strip().splitlines()[-1]
        click.echo(f"{name:12} {'FAILED TO LOAD':24} {last}")
        if show_traceback:
            click.echo(trace)
    if found.failures:
        raise SystemExit(1)
