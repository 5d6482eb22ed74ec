"""`flask --app wsgi polling-status`: the queue, the carriers' circuits, the last hour's polls."""
import json

import click

from .report import snapshot


@click.command("polling-status")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
def polling_status(as_json: bool) -> None:
    """Summarise polling: queue depth, overdue, stalls, circuits, outcomes and latency."""
    snap = snapshot()
    if as_json:
        click.echo(json.dumps({
            "due": snap.due, "in_flight": snap.in_flight,
            "oldest_overdue_seconds": snap.oldest_overdue_seconds, "stalled": snap.stalled,
            "by_status": snap.by_status,
            "circuits": [{"carrier": k, "state": s, "failures": f, "open_until": u, "last_error": e}
                         for k, s, f, u, e in snap.circuits],
            "last_hour": [{"carrier": c, "outcome": o, "polls": n}
                          for (c, o), n in sorted(snap.last_hour.items())],
            "latency_ms": {c: {"p50": a, "p95": b} for c, (a, b) in snap.latency_ms.items()},
        }, default=str))
        return
    click.echo(f"due now: {snap.due}   in flight: {snap.in_flight}   "
               f"oldest overdue: {snap.oldest_overdue_seconds:.0f}s   stalled: {snap.stalled}")
    click.echo("shipments: " + (", ".join(f"{k}={v}" for k, v in sorted(snap.by_status.items()))
                                or "none"))
    for key, state, failures, until, error in snap.circuits:
        detail = f" until {until:%H:%M:%S}Z" if state == "open" else ""
        click.echo(f"circuit {key}: {state}{detail} ({failures} failed batches in a row)"
                   + (f" last error: {error[:120]}" if error and state != "closed" else ""))
    click.echo("last hour:" if snap.last_hour else "last hour: no polls")
    for (carrier, outcome), count in sorted(snap.last_hour.items()):
        p50, p95 = snap.latency_ms.get(carrier, (None, None))
        latency = f"   latency p50 {p50:.0f} ms p95 {p95:.0f} ms" if p50 is not None else ""
        click.echo(f"  {carrier:10} {outcome:16} {count:6}{latency}")
