#!/usr/bin/env python3
"""Tracking-page throughput under gunicorn, against a trivial endpoint of the same app.

Sets up a throwaway SQLite database (or uses --database-url), migrates and seeds it with demo
shipments frozen mid-journey, starts `python -m gunicorn wsgi:app` on a free port, then loads
/healthz (one `SELECT 1`) and /t/<token> (a page with ~10 events and 2 items) with wrk, one
after the other in the same run, after a warm-up of each.

Targets: page throughput >= 50% of the trivial endpoint's; page p99 < 50 ms at 32 connections.
Falls back to a threaded Python client (much less accurate) when wrk is not installed.
Always exits 0: the figures are for reading, not for gating.
"""
import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import _fixture

TARGET_RATIO = 0.50
TARGET_P99_MS = 50.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, workers: int, port: int, log_path: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", "--workers", str(workers),
           "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    # No --access-logfile: gunicorn writes no access log unless asked to.
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, cwd=_fixture.ROOT, env={**os.environ, **env},
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    print("server:   " + " ".join(cmd) + f"  (cwd {_fixture.ROOT}, log {log_path})")
    return proc


def wait_healthy(base: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()  # gunicorn's arbiter stops its workers on SIGTERM
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- wrk -------------------------------------------------------------------------------------

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNIT_MS[m.group(2)]


def parse_wrk(out: str) -> dict:
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M):
        res[f"p{pct}"] = _ms(value)
    m = re.search(r"(\d+) requests in", out)
    res["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", out)
    res["socket_errors"] = m.group(1).strip() if m else ""
    return res


# A phone's browser: page views and offer impressions are counted for people only, so the load
# must look like shoppers for the benchmark to include that work.
SHOPPER_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


def run_wrk(url: str, threads: int, connections: int, duration: float) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency",
           "-H", f"User-Agent: {SHOPPER_UA}", url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    res = parse_wrk(out)
    res["cmd"] = " ".join(cmd)
    return res


# ---- fallback: threaded Python client (GIL-bound: it measures itself as much as the server) ---

def run_python(url: str, threads: int, connections: int, duration: float) -> dict:
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return run_sequence(f"{parts.scheme}://{parts.netloc}", [path], connections, duration)


def run_sequence(base: str, paths: list[str], connections: int, duration: float) -> dict:
    """Each of `connections` threads fetches `paths` one after the other, again and again, for
    `duration` seconds; a latency is the whole sequence's (one path: one request's)."""
    from urllib.parse import urlsplit
    parts = urlsplit(base)
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    stop_at = time.monotonic() + duration

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                for path in paths:
                    conn.request("GET", path, headers={"User-Agent": SHOPPER_UA})
                    r = conn.getresponse()
                    r.read()
                    errors[i] += r.status >= 400
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                continue
            latencies[i].append((time.perf_counter() - t0) * 1000)
        conn.close()

    started = time.monotonic()
    pool = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    lat = sorted(x for per in latencies for x in per)
    sequence = "" if len(paths) == 1 else f", sequence {paths}"
    res = {"rps": len(lat) / elapsed, "requests": len(lat), "non2xx": sum(errors), "socket_errors": "",
           "cmd": f"python threaded client, {connections} connections, {duration:g}s{sequence}"}
    for p in (50, 75, 90, 99):
        res[f"p{p}"] = lat[min(len(lat) - 1, int(len(lat) * p / 100))] if lat else float("nan")
    return res


def in_process_cost(app, endpoints, n: int = 200) -> dict:
    """Milliseconds per request through the Flask test client, one thread: the app's own cost,
    without gunicorn, sockets or the load generator (median of 3 rounds of n)."""
    client = app.test_client()
    out = {}
    for name, path in endpoints:
        for _ in range(20):
            client.get(path)
        rounds = []
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(n):
                client.get(path)
            rounds.append((time.perf_counter() - t0) / n * 1000)
        out[name] = sorted(rounds)[1]
    return out


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# ---- main ----------------------------------------------------------------------------------

def main() -> int:
    cores = os.cpu_count() or 1
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=10, help="seconds per measured run (default 10)")
    ap.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per endpoint (default 3)")
    ap.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    ap.add_argument("--workers", type=int, default=2 * cores,
                    help=f"gunicorn sync workers (default 2 x cores = {2 * cores})")
    ap.add_argument("--database-url", help="use this database (e.g. postgresql://...) instead of a temp SQLite file")
    ap.add_argument("--seed", type=int, default=20, help="demo orders per scenario to seed (default 20)")
    ap.add_argument("--python-client", action="store_true", help="use the Python client even if wrk is installed")
    args = ap.parse_args()
    rerun = _fixture.rerun_command(__file__, sys.argv[1:])

    print("== page_throughput: tracking page vs trivial endpoint under gunicorn ==")
    load_before = load_average()
    print(f"machine:  {cores} CPU core(s); load generator runs on the same machine; "
          f"load average before: {load_before}")
    app, fx = _fixture.prepare(args.database_url, args.seed)
    serial = in_process_cost(app, [("trivial /healthz", "/healthz"), ("tracking page /t/<token>", f"/t/{fx.token}")])
    del app

    use_wrk = shutil.which("wrk") is not None and not args.python_client
    if not use_wrk:
        if not args.python_client:
            print("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu) gives accurate figures.")
        print("CLIENT: threaded Python fallback - LESS ACCURATE: it is GIL-bound and shares the CPU, "
              "so it under-reports throughput and inflates latency. Compare ratios, not absolutes.")
    runner = run_wrk if use_wrk else run_python

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    if fx.tmpdir:
        log_path = os.path.join(fx.tmpdir.name, "gunicorn.log")
    else:
        fd, log_path = tempfile.mkstemp(prefix="tracking-bench-gunicorn-", suffix=".log")
        os.close(fd)
    proc = start_gunicorn(fx.env, args.workers, port, log_path)
    endpoints = [("trivial /healthz", "/healthz"), ("tracking page /t/<token>", f"/t/{fx.token}")]
    results = {}
    try:
        wait_healthy(base, proc)
        with urllib.request.urlopen(base + endpoints[1][1], timeout=10) as r:
            body = r.read()
            print(f"page:     HTTP {r.status}, {len(body)} bytes of HTML")
        for name, path in endpoints:
            runner(base + path, args.threads, args.connections, args.warmup)  # warm-up, discarded
        for name, path in endpoints:
            results[name] = runner(base + path, args.threads, args.connections, args.duration)
    finally:
        stop(proc)
        if proc.returncode not in (0, None, -15):
            print(f"(gunicorn exited with {proc.returncode}; see {log_path})")
        with open(log_path) as f:
            tail = f.read().strip()
        if tail:
            print("gunicorn log:\n  " + "\n  ".join(tail.splitlines()[-15:]))
        fx.cleanup()

    print()
    print(f"client:   {'wrk' if use_wrk else 'python threads (less accurate)'}, "
          f"{args.connections} connections, {args.duration:g}s per endpoint after {args.warmup:g}s warm-up; "
          f"gunicorn {args.workers} sync workers")
    for name, r in results.items():
        print(f"          {name}: {r['cmd']}")
    print()
    print(f"load average after: {load_average()} (figures are unreliable if other work shares the CPU)")
    print()
    header = f"{'endpoint':<26} {'req/s':>9} {'p50 ms':>8} {'p75 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7} {'in-proc ms':>10}"
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        errs = r["non2xx"]
        print(f"{name:<26} {r['rps']:>9.1f} {r['p50']:>8.2f} {r['p75']:>8.2f} {r['p90']:>8.2f} "
              f"{r['p99']:>8.2f} {r['requests']:>9} {errs:>7} {serial[name]:>10.2f}")
        if r["socket_errors"]:
            print(f"{'':<26} socket errors: {r['socket_errors']}")
    trivial, page = results[endpoints[0][0]], results[endpoints[1][0]]
    ratio = page["rps"] / trivial["rps"] if trivial["rps"] else 0.0
    print("(in-proc ms: one request through the Flask test client in this process, no server: the app's own cost)")
    print()
    ok_ratio, ok_p99 = ratio >= TARGET_RATIO, page["p99"] < TARGET_P99_MS
    print(f"page/trivial throughput: {ratio:.1%}   target >= {TARGET_RATIO:.0%}   "
          f"{'MET' if ok_ratio else 'MISSED'}")
    print(f"page p99 latency:        {page['p99']:.1f} ms   target < {TARGET_P99_MS:g} ms at "
          f"{args.connections} connections   {'MET' if ok_p99 else 'MISSED'}"
          + ("" if args.connections == 32 else "  (target is defined at 32 connections)"))
    need = args.connections / (TARGET_P99_MS / 1000)
    print(f"  (closed loop: mean latency = connections / throughput, so any p99 < {TARGET_P99_MS:g} ms at "
          f"{args.connections} connections needs well over {need:.0f} req/s; /healthz itself gives "
          f"{trivial['rps']:.0f})")
    if page["non2xx"] or trivial["non2xx"]:
        print("WARNING: some responses were errors; the figures above are not valid.")
    print()
    print(f"rerun: {rerun}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
