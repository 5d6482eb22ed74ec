#!/usr/bin/env python3
"""Polling throughput: shipments refreshed per second by real worker processes against a fake FedEx.

Starts `bench/fake_carrier.py` as its own process (every request answered after --delay, 100 ms
by default), creates a fresh PostgreSQL database next to --database-url (dropped at the end),
migrates it with `flask --app wsgi db upgrade`, and for each phase bulk-inserts --shipments due
FedEx shipments, starts worker processes (`python -m flask --app wsgi worker`, rounds every
second, TRACKING_POLL_THREADS / TRACKING_POLL_BATCH_SIZE as given, the FedEx quota lifted),
and counts the shipments whose `last_polled_at` is set, every 0.25 s. The rate is measured in
steady state: from 10% done (or 5 s after the first stored poll, if sooner) to 90% done (or the
phase's time limit, if sooner).

Phases: 1 worker and 4 workers on PostgreSQL (the targets); the same single worker with the
FedEx adapter forced to one number per request (the no-batching baseline: the worker process is
started through a `python -c` shim that sets FedEx.batch_size = 1, nothing else changes); and
1 worker on SQLite. For each it prints the CPU used by the workers, by PostgreSQL's processes and
by the fake carrier, and the machine's total, so the reader can tell which one is the limit.

Targets: one worker >= 200 shipments/s; 4 workers close to 4x one worker. Exits 0 always.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import _fixture

TARGET_ONE_WORKER = 200.0  # shipments per second
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"
TICK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1

# The no-batching baseline: the same worker command, the FedEx adapter asking one number a call.
NO_BATCH_SHIM = (
    "import sys; import tracking.carriers.fedex as f; f.FedEx.batch_size = 1; "
    "from flask.cli import main; sys.argv = ['flask', '--app', 'wsgi', 'worker']; main()"
)


# ---- processes and CPU ------------------------------------------------------------------------

def proc_ticks(pid: int) -> int | None:
    """utime + stime of a process (all its threads), in clock ticks; None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def postgres_ticks(database: str | None) -> dict[int, int]:
    """Ticks of the PostgreSQL processes that work for us: the backends connected to `database`
    and the server's own background processes (WAL writer, checkpointer, ...), not other
    databases' backends (other work on the same server is not ours)."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                if f.read().strip() != "postgres":
                    continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        background = any(name in cmdline for name in ("walwriter", "checkpointer", "background writer"))
        m = re.match(r"postgres: [^:]+: (\S+) (\S+) ", cmdline)
        if not background and not (m and m.group(2) == database):
            continue  # another database's backend, or the postmaster, autovacuum, stats
        ticks = proc_ticks(int(entry))
        if ticks is not None:
            out[int(entry)] = ticks
    return out


def machine_ticks() -> tuple[int, int]:
    """(busy, total) ticks of all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return total - idle, total


def cpu_snapshot(workers: list[subprocess.Popen], fake: subprocess.Popen, database: str | None) -> dict:
    return {"t": time.monotonic(), "workers": {p.pid: proc_ticks(p.pid) or 0 for p in workers},
            "fake": proc_ticks(fake.pid) or 0, "pg": postgres_ticks(database),
            "self": proc_ticks(os.getpid()) or 0, "machine": machine_ticks()}


def cpu_between(a: dict, b: dict) -> dict:
    """CPU use between two snapshots, in % of one core (machine: % of all cores)."""
    secs = max(1e-9, b["t"] - a["t"])
    pct = lambda ticks: 100.0 * ticks / TICK / secs
    workers = sum(b["workers"].get(pid, 0) - t for pid, t in a["workers"].items())
    pg = sum(t - a["pg"].get(pid, t) for pid, t in b["pg"].items() if pid in a["pg"])
    pg += sum(t for pid, t in b["pg"].items() if pid not in a["pg"])  # backends started meanwhile
    busy = b["machine"][0] - a["machine"][0]
    total = max(1, b["machine"][1] - a["machine"][1])
    res = {"workers": pct(workers), "per_worker": pct(workers) / max(1, len(a["workers"])),
           "pg": pct(pg), "fake": pct(b["fake"] - a["fake"]), "self": pct(b["self"] - a["self"]),
           "machine": 100.0 * busy / total}
    # What the machine did besides (other users of the machine, other databases' backends).
    res["other"] = max(0.0, res["machine"] * CORES - res["workers"] - res["pg"] - res["fake"]
                       - res["self"])
    return res


def start_fake(delay: float, log_path: str) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_carrier.py"),
           "--delay", str(delay), "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(log_path, "w"), text=True,
                            start_new_session=True)
    line = proc.stdout.readline()
    m = re.search(r"(http://\S+)", line)
    if not m:
        proc.kill()
        raise SystemExit(f"fake carrier did not start: {line!r} (see {log_path})")
    return proc, m.group(1)


def fake_call(base: str, path: str, method: str = "GET") -> dict:
    req = urllib.request.Request(base + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def stop_all(procs: list[subprocess.Popen], grace: float = 3.0) -> None:
    """SIGTERM, then SIGKILL what is left after `grace` seconds (a worker may be mid-round)."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# ---- databases --------------------------------------------------------------------------------

def engine_for(database_url: str):
    from sqlalchemy import create_engine
    from tracking.db import normalise_url
    return create_engine(normalise_url(database_url))


def load_shipments(engine, n: int) -> float:
    """Empty the polling tables, then insert one merchant, n/2 orders and n due FedEx shipments."""
    import secrets
    from sqlalchemy import delete, insert, text
    from tracking.models import (CarrierCircuit, Merchant, Order, PollRecord, Shipment,
                                 TrackingEvent)
    t0 = time.monotonic()
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE poll_records, tracking_events, shipments, orders, merchants, "
                              "carrier_circuits RESTART IDENTITY CASCADE"))
        else:
            for model in (PollRecord, TrackingEvent, Shipment, Order, Merchant, CarrierCircuit):
                conn.execute(delete(model.__table__))
        merchant_id = conn.execute(insert(Merchant.__table__).values(
            slug="bench", name="Bench", timezone="America/Chicago", brand_color="#1f4e79",
            accent_color="#c2410c", font="system", default_locale="en", created_at=now,
        ).returning(Merchant.__table__.c.id)).scalar_one()
        orders = (n + 1) // 2
        conn.execute(insert(Order.__table__), [
            {"merchant_id": merchant_id, "number": f"B{i:07d}", "placed_at": now, "created_at": now}
            for i in range(orders)])
        first_order = conn.execute(text("SELECT min(id) FROM orders")).scalar_one()
        created = now - timedelta(days=2)
        rows = [{
            "merchant_id": merchant_id, "order_id": first_order + i // 2, "carrier": "fedex",
            "tracking_number": str(770_000_000_000_000 + i), "public_token": secrets.token_urlsafe(16),
            "status": "pending", "progress": 0, "next_poll_at": now - timedelta(seconds=60 + i % 600),
            "poll_failures": 0, "final_checks": 0, "stalled": False,
            "created_at": created, "updated_at": created,
        } for i in range(n)]
        for start in range(0, n, 5000):
            conn.execute(insert(Shipment.__table__), rows[start:start + 5000])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE shipments"))
    return time.monotonic() - t0


def polled_count(engine) -> int:
    from sqlalchemy import text
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM shipments WHERE last_polled_at IS NOT NULL")).scalar_one()


def outcome_counts(engine) -> dict:
    from sqlalchemy import text
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT outcome, count(*) FROM poll_records GROUP BY outcome")).all())


# ---- one phase --------------------------------------------------------------------------------

def worker_env(database_url: str, fake_url: str, threads: int, batch: int) -> dict:
    env = {**os.environ, **_fixture.bench_env(database_url)}
    env.pop("DATABASE_URL", None)
    env.update({
        "TRACKING_CARRIERS__fedex__client_id": CLIENT_ID,
        "TRACKING_CARRIERS__fedex__client_secret": CLIENT_SECRET,
        "TRACKING_CARRIERS__fedex__base_url": fake_url,
        "TRACKING_WORKER_INTERVAL_SECONDS": "1",
        "TRACKING_POLL_THREADS": str(threads),
        "TRACKING_POLL_BATCH_SIZE": str(batch),
        "TRACKING_CARRIER_RATE_LIMITS": json.dumps({"fedex": {"per_second": 100000}}),
        "TRACKING_EXPIRE_AFTER_DAYS": "36500",
        "TRACKING_LOG_FORMAT": "text",
        "TRACKING_WORKER_METRICS_PORT": "0",
    })
    return env


def run_phase(label: str, database_url: str, fake: subprocess.Popen, fake_url: str, workers: int,
              threads: int, batch: int, n: int, max_seconds: float, logdir: str,
              no_batching: bool = False) -> dict:
    engine = engine_for(database_url)
    pg_database = engine.url.database if engine.dialect.name == "postgresql" else None
    load_s = load_shipments(engine, n)
    fake_call(fake_url, "/stats/reset", "POST")
    env = worker_env(database_url, fake_url, threads, batch)
    cmd = ([sys.executable, "-c", NO_BATCH_SHIM] if no_batching
           else [sys.executable, "-m", "flask", "--app", "wsgi", "worker"])
    procs, logs = [], []
    for i in range(workers):
        path = os.path.join(logdir, f"{re.sub(r'[^a-z0-9]+', '-', label.lower())}-worker{i}.log")
        logs.append(path)
        procs.append(subprocess.Popen(cmd, cwd=_fixture.ROOT, env=env, stdout=open(path, "w"),
                                      stderr=subprocess.STDOUT, start_new_session=True))
    samples = []  # (t, polled, cpu snapshot)
    started = time.monotonic()
    died = False
    try:
        while True:
            count = polled_count(engine)
            samples.append((time.monotonic(), count, cpu_snapshot(procs, fake, pg_database)))
            if count >= 0.9 * n or time.monotonic() - started > max_seconds:
                break
            if any(p.poll() is not None for p in procs):
                died = True
                break
            time.sleep(0.25)
    finally:
        stop_all(procs)
    stats = fake_call(fake_url, "/stats")
    outcomes = outcome_counts(engine)
    final = polled_count(engine)
    engine.dispose()

    # Steady state: from 10% done, or from 5 s after the first stored poll if that comes first
    # (the token fetch and the first round are behind us either way), to 90% or the time limit.
    lo = 0.1 * n
    first_t = next((s[0] for s in samples if s[1] > 0), None)
    start = next((s for s in samples if s[1] >= lo or (first_t and s[0] >= first_t + 5)), None)
    end = samples[-1]
    res = {"label": label, "workers": workers, "threads": threads, "batch": batch, "n": n,
           "load_s": load_s, "polled": final, "stats": stats, "outcomes": outcomes, "died": died,
           "logs": logs, "no_batching": no_batching, "rate": 0.0, "window": (0, 0, 0), "cpu": None,
           "first_s": next((s[0] - started for s in samples if s[1] > 0), None)}
    if start is not None and end[0] - start[0] > 1.0 and end[1] > start[1]:
        res["rate"] = (end[1] - start[1]) / (end[0] - start[0])
        res["window"] = (start[1], end[1], end[0] - start[0])
        res["cpu"] = cpu_between(start[2], end[2])
    elif len(samples) > 1:  # never reached 10%: use everything after the first poll
        first = next((s for s in samples if s[1] > 0), samples[0])
        if end[0] > first[0] and end[1] > first[1]:
            res["rate"] = (end[1] - first[1]) / (end[0] - first[0])
            res["window"] = (first[1], end[1], end[0] - first[0])
            res["cpu"] = cpu_between(first[2], end[2])
    errors, at_shutdown = [], []
    for path in logs:
        stopped = False
        with open(path, errors="replace") as f:
            for line in f:
                stopped = stopped or "Scheduler has been shut down" in line
                if re.search(r"ERROR|TimeoutError|Error:", line):
                    (at_shutdown if stopped else errors).append(line.rstrip())
    res["log_errors"], res["shutdown_errors"] = errors, at_shutdown
    return res


def print_phase(r: dict) -> None:
    s = r["stats"]
    lo, hi, secs = r["window"]
    print(f"\n-- {r['label']}: {r['workers']} worker(s) x {r['threads']} threads, POLL_BATCH_SIZE "
          f"{r['batch']}, {r['n']} due shipments (loaded in {r['load_s']:.1f}s)"
          + ("; FedEx.batch_size forced to 1" if r["no_batching"] else ""))
    print(f"   rate:     {r['rate']:.1f} shipments/s  (from {lo} to {hi} polled in {secs:.1f}s; "
          f"first poll stored {r['first_s'] or 0:.1f}s after the workers started)")
    if r["cpu"]:
        c = r["cpu"]
        print(f"   CPU:      workers {c['workers']:.0f}% of a core ({c['per_worker']:.0f}% each), "
              f"postgres {c['pg']:.0f}%, fake carrier {c['fake']:.0f}%, this script {c['self']:.0f}%, "
              f"everything else {c['other']:.0f}%; "
              f"machine {c['machine']:.0f}% of {CORES} cores busy")
        if r["rate"]:
            print(f"              = {c['workers'] * 10 / r['rate']:.2f} ms worker CPU and "
                  f"{c['pg'] * 10 / r['rate']:.2f} ms postgres CPU per shipment")
    print(f"   carrier:  {s['track_requests']} track requests, {s['numbers']} numbers "
          f"({s['numbers'] / max(1, s['track_requests']):.1f} per request, max {s['max_batch']}), "
          f"{s['token_requests']} token requests, max {s['max_in_flight']} in flight, {s['errors']} errors")
    print(f"   stored:   {r['polled']} shipments polled when stopped; poll records by outcome: "
          f"{r['outcomes'] or 'none'}")
    if r["died"]:
        print("   WARNING: a worker exited during the phase; see " + ", ".join(r["logs"]))
    if r["log_errors"]:
        print(f"   worker log errors while running ({len(r['log_errors'])}), first: {r['log_errors'][0][:300]}")
    if r["shutdown_errors"]:
        last = r["shutdown_errors"][-1]
        print(f"   after SIGTERM ({len(r['shutdown_errors'])} log lines): {last[:200]}")


# ---- main -------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test",
                    help="a PostgreSQL server to create the throwaway database on (default: %(default)s)")
    ap.add_argument("--shipments", type=int, default=20000, help="due shipments per phase (default 20000)")
    ap.add_argument("--workers", default="1,4", help="worker counts to run on PostgreSQL (default 1,4)")
    ap.add_argument("--threads", type=int, default=16, help="TRACKING_POLL_THREADS (default 16)")
    ap.add_argument("--batch-size", type=int, default=600, help="TRACKING_POLL_BATCH_SIZE (default 600)")
    ap.add_argument("--delay", type=float, default=0.1, help="fake carrier delay per request, s (default 0.1)")
    ap.add_argument("--max-seconds", type=float, default=30,
                    help="longest a phase runs before it is measured as it stands (default 30)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the one-number-per-request baseline")
    ap.add_argument("--no-sqlite", action="store_true", help="skip the single worker on SQLite")
    args = ap.parse_args()
    rerun = _fixture.rerun_command(__file__, sys.argv[1:])
    counts = [int(c) for c in args.workers.split(",") if c.strip()]

    print("== polling_throughput: shipments refreshed per second against a fake FedEx ==")
    print(f"machine:  {CORES} CPU core(s); load average before: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    logdir = tempfile.mkdtemp(prefix="tracking-bench-poll-")
    fake, fake_url = start_fake(args.delay, os.path.join(logdir, "fake-carrier.log"))
    print(f"carrier:  bench/fake_carrier.py at {fake_url}, {args.delay * 1000:.0f} ms per request "
          f"(separate process, pid {fake.pid})")
    pg_url, pg_name = _fixture.create_pg_database(args.database_url, "bench_poll_")
    results = []
    try:
        took = _fixture.migrate(pg_url)
        print(f"database: {_fixture.redact(pg_url)} (fresh; flask db upgrade in {took:.1f}s); "
              f"worker logs in {logdir}")
        for workers in counts:
            results.append(run_phase(f"PostgreSQL {workers}w", pg_url, fake, fake_url, workers,
                                     args.threads, args.batch_size, args.shipments,
                                     args.max_seconds, logdir))
            print_phase(results[-1])
        if not args.no_baseline:
            results.append(run_phase("PostgreSQL 1w no batching", pg_url, fake, fake_url, 1,
                                     args.threads, args.batch_size, args.shipments,
                                     min(args.max_seconds, 20), logdir, no_batching=True))
            print_phase(results[-1])
        if not args.no_sqlite:
            sqlite_dir = tempfile.TemporaryDirectory(prefix="tracking-bench-sqlite-")
            sqlite_url = "sqlite:///" + os.path.join(sqlite_dir.name, "bench.sqlite3")
            _fixture.migrate(sqlite_url)
            results.append(run_phase("SQLite 1w", sqlite_url, fake, fake_url, 1, args.threads,
                                     args.batch_size, args.shipments, args.max_seconds, logdir))
            print_phase(results[-1])
            sqlite_dir.cleanup()
    finally:
        stop_all([fake])
        _fixture.drop_pg_database(args.database_url, pg_name)
        print(f"\ndatabase {pg_name} dropped; load average after: "
              + " ".join(f"{x:.2f}" for x in os.getloadavg()))

    print()
    header = (f"{'phase':<28} {'workers':>7} {'ship/s':>8} {'per req':>7} {'wkr CPU%':>8} {'pg CPU%':>7} "
              f"{'other%':>7} {'machine%':>8}")
    print(header)
    print("-" * len(header))
    for r in results:
        c = r["cpu"] or {"workers": 0, "pg": 0, "other": 0, "machine": 0}
        per_req = r["stats"]["numbers"] / max(1, r["stats"]["track_requests"])
        print(f"{r['label']:<28} {r['workers']:>7} {r['rate']:>8.1f} {per_req:>7.1f} "
              f"{c['workers']:>8.0f} {c['pg']:>7.0f} {c['other']:>7.0f} {c['machine']:>8.0f}")
    print("(workers, postgres and other: % of one core; other = processes outside this benchmark; "
          "machine: % of all cores)")
    print()
    by = {r["label"]: r for r in results}
    one = by.get("PostgreSQL 1w")
    if one:
        ok = one["rate"] >= TARGET_ONE_WORKER
        print(f"1 worker:           {one['rate']:.1f} shipments/s   target >= {TARGET_ONE_WORKER:.0f}   "
              f"{'MET' if ok else 'MISSED'}")
        for workers in counts:
            r = by.get(f"PostgreSQL {workers}w")
            if workers != 1 and r and one["rate"]:
                ratio = r["rate"] / one["rate"]
                print(f"{workers} workers / 1:      {ratio:.2f}x   (linear would be {workers}x; "
                      f"{ratio / workers:.0%} of linear)")
        base = by.get("PostgreSQL 1w no batching")
        if base and base["rate"]:
            print(f"batching / none:    {one['rate'] / base['rate']:.2f}x   (1 worker, FedEx batches of "
                  f"{one['stats']['numbers'] / max(1, one['stats']['track_requests']):.0f} vs 1 number per request)")
        lite = by.get("SQLite 1w")
        if lite and lite["rate"]:
            print(f"SQLite / PostgreSQL: {lite['rate'] / one['rate']:.2f}x  (1 worker each)")
    for r in results:
        c = r["cpu"]
        if c and r["rate"] and r["workers"] > 1:
            per = (c["workers"] + c["pg"]) * 10 / r["rate"]  # ms of CPU per shipment, all processes
            print(f"CPU ceiling:        {CORES * 1000 / per:.0f} shipments/s on {CORES} cores at the "
                  f"{per:.2f} ms of worker + postgres CPU per shipment measured with {r['workers']} workers "
                  f"(with nothing else running)")
    busy = max((r["cpu"]["machine"] for r in results if r["cpu"]), default=0)
    print(f"busiest phase kept the machine {busy:.0f}% busy ({CORES} cores): near 100% means the figures "
          "are CPU-bound on this machine, not limited by the carrier's latency")
    print()
    print(f"rerun: {rerun}")
    if any(r["log_errors"] or r["shutdown_errors"] or r["died"] for r in results):
        print(f"worker logs kept in {logdir}")
    else:
        shutil.rmtree(logdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
