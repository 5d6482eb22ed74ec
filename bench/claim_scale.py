#!/usr/bin/env python3
"""Claim cost at scale: `claim_due(limit=200)` with 10,000 and with 1,000,000 shipments in PostgreSQL.

Creates a fresh database next to --database-url (dropped at the end), migrates it with
`flask --app wsgi db upgrade`, and bulk-loads shipments in SQL (`INSERT ... SELECT
generate_series`, one merchant, one order per two shipments) in a realistic mix: 2% due (their
next_poll_at spread over the last hour), 20% final (delivered, next_poll_at NULL), the rest due
later (over the next 3 days). Then, in an app context, it times
`tracking.polling.claim.claim_due(token, limit=200, lease_seconds=300, now)` --repeats times
(after 2 discarded warm-ups), releasing the claimed rows after each, and takes the median; also
each of the two statements claim_due sends (the claiming UPDATE, then the SELECT of the claimed
rows), timed on their own. It does that at --small rows, then tops the table up to --large rows
(the same mix), ANALYZEs, and does it again, and prints EXPLAIN (ANALYZE, BUFFERS) of both
statements at the large size.

Target: the large claim takes at most 2x the small one. When it misses, the statement timings
and plans show which statement grows with the table; `--what-if` then measures, on the same
throwaway database, the two candidate changes: a partial index on claimed_by, and returning the
claimed ids from the UPDATE instead of selecting by claimed_by afterwards. Exits 0 always.
"""
import argparse
import re
import statistics
import sys
import time
from datetime import timedelta

import _fixture

TARGET_RATIO = 2.0
LIMIT, LEASE_SECONDS = 200, 300


# Timestamps are naive UTC, as tracking.models.types.UTCDateTime stores them. Row i (1-based):
# every 50th is due (2%), every 5th (offset 1) is final, the rest are due within 3 days.
LOAD_SQL = """
INSERT INTO orders (merchant_id, number, placed_at, created_at)
SELECT 1, 'B' || lpad(g::text, 8, '0'), %(now)s - interval '3 days', %(now)s - interval '3 days'
FROM generate_series(%(o_from)s::int, %(o_to)s::int) AS g;

INSERT INTO shipments (merchant_id, order_id, carrier, tracking_number, public_token, status,
                       substatus, progress, next_poll_at, last_polled_at, last_event_at,
                       poll_failures, final_checks, stalled, created_at, updated_at)
SELECT 1, (g + 1) / 2, 'fedex', (770000000000000 + g)::text, substr(md5(g::text), 1, 22),
       CASE WHEN g %% 5 = 1 THEN 'delivered' ELSE 'in_transit' END,
       NULL, CASE WHEN g %% 5 = 1 THEN 4 ELSE 2 END,
       CASE WHEN g %% 50 = 0 THEN %(now)s - make_interval(secs => (g * 7919) %% 3600)
            WHEN g %% 5 = 1 THEN NULL
            ELSE %(now)s + make_interval(secs => 60 + (g * 7919) %% 259200) END,
       %(now)s - make_interval(secs => 3600 + (g * 104729) %% 86400),
       %(now)s - make_interval(secs => 7200 + (g * 104729) %% 86400),
       0, 0, false, %(now)s - interval '3 days', %(now)s - interval '1 hour'
FROM generate_series(%(s_from)s::bigint, %(s_to)s::bigint) AS g;
"""


def load(url: str, start: int, end: int, now) -> float:
    """Insert shipments start..end (1-based, inclusive) and their orders, then VACUUM ANALYZE."""
    import psycopg
    naive = now.replace(tzinfo=None)
    t0 = time.monotonic()
    with psycopg.connect(url) as conn:
        if start == 1:
            conn.execute("INSERT INTO merchants (id, slug, name, brand_color, accent_color, font, "
                         "default_locale, timezone, created_at) VALUES (1, 'bench', 'Bench', "
                         "'#1f4e79', '#c2410c', 'system', 'en', 'UTC', %s)", (naive,))
        params = {"now": naive, "o_from": (start + 1) // 2, "o_to": (end + 1) // 2,
                  "s_from": start, "s_to": end}
        if start % 2 == 0:  # the previous load already made the order this shipment shares
            params["o_from"] += 1
        for statement in LOAD_SQL.split(";\n\n"):
            conn.execute(statement, params)
        conn.execute("SELECT setval(pg_get_serial_sequence('shipments', 'id'), %s)", (end,))
        conn.execute("SELECT setval(pg_get_serial_sequence('orders', 'id'), %s)", ((end + 1) // 2,))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE shipments")
        conn.execute("VACUUM ANALYZE orders")
    return time.monotonic() - t0


def mix(app) -> dict:
    from sqlalchemy import text
    from tracking.extensions import db
    with app.app_context():
        row = db.session.execute(text(
            "SELECT count(*), count(*) FILTER (WHERE next_poll_at <= now() AT TIME ZONE 'UTC'), "
            "count(*) FILTER (WHERE next_poll_at IS NULL), pg_total_relation_size('shipments') "
            "FROM shipments")).one()
        db.session.remove()
    return {"rows": row[0], "due": row[1], "final": row[2], "bytes": row[3]}


class Capture:
    """The SQL and parameters an engine sends while active (to time and EXPLAIN them alone)."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        from sqlalchemy import event
        event.listen(self.engine, "before_cursor_execute", self._hook)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self._hook)

    def _hook(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters))


def measure(app, repeats: int, what_if: str | None = None) -> dict:
    """Median claim_due time (ms) over `repeats` runs, plus each statement's median alone."""
    from sqlalchemy import select, update
    from tracking.extensions import db
    from tracking.models import Shipment
    from tracking.models.types import utcnow
    from tracking.polling.claim import claim_due, new_claim_token

    def release(ids):
        db.session.execute(update(Shipment).where(Shipment.id.in_(ids))
                           .values(claimed_by=None, claim_expires_at=None)
                           .execution_options(synchronize_session=False))
        db.session.commit()
        db.session.expunge_all()

    def claim_returning(token, now):
        """The what-if query change: the UPDATE returns the ids; the rows are read by primary key."""
        from sqlalchemy import or_
        due = (select(Shipment.id).where(
            Shipment.next_poll_at <= now,
            or_(Shipment.claim_expires_at.is_(None), Shipment.claim_expires_at < now))
            .order_by(Shipment.next_poll_at).limit(LIMIT).with_for_update(skip_locked=True))
        expires = max(now, utcnow()) + timedelta(seconds=LEASE_SECONDS)
        ids = db.session.scalars(update(Shipment).where(Shipment.id.in_(due.scalar_subquery()))
                                 .values(claimed_by=token, claim_expires_at=expires)
                                 .returning(Shipment.id)
                                 .execution_options(synchronize_session=False)).all()
        db.session.commit()
        return list(db.session.scalars(select(Shipment).where(Shipment.id.in_(ids)).order_by(Shipment.id)))

    with app.app_context():
        now = utcnow()
        times, claimed = [], 0
        for i in range(repeats + 2):
            token = new_claim_token()
            t0 = time.perf_counter()
            rows = claim_returning(token, now) if what_if == "returning" else \
                claim_due(token, LIMIT, LEASE_SECONDS, now)
            elapsed = (time.perf_counter() - t0) * 1000
            if i >= 2:
                times.append(elapsed)
            claimed = len(rows)
            release([r.id for r in rows])
        # The two statements on their own: capture them from one claim, then time each.
        token = new_claim_token()
        with Capture(db.engine) as cap:
            rows = claim_due(token, LIMIT, LEASE_SECONDS, now)
        release([r.id for r in rows])
        stmts = [(s, p) for s, p in cap.statements if re.match(r"\s*(UPDATE|SELECT)", s)]
        per_statement = []
        conn = db.session.connection()
        for j, (sql, params) in enumerate(stmts[:2]):
            runs = []
            for _ in range(max(5, repeats // 2)):
                if j == 1:  # the SELECT reads rows claimed by the token: claim them first
                    conn.exec_driver_sql(stmts[0][0], stmts[0][1])
                t0 = time.perf_counter()
                result = conn.exec_driver_sql(sql, params)
                if result.returns_rows:
                    result.fetchall()
                runs.append((time.perf_counter() - t0) * 1000)
                db.session.rollback()
                conn = db.session.connection()
            per_statement.append(statistics.median(runs))
        db.session.rollback()
        db.session.remove()
    return {"median": statistics.median(times), "p90": sorted(times)[int(len(times) * 0.9) - 1],
            "min": min(times), "claimed": claimed, "statements": stmts[:2],
            "per_statement": per_statement}


def explain(app, statements) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the claim's UPDATE, then of its SELECT, in one rolled-back
    transaction (so the SELECT finds the rows the UPDATE claimed)."""
    from tracking.extensions import db
    out = []
    with app.app_context():
        conn = db.session.connection()
        for sql, params in statements:
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).scalars().all()
            out.append("\n".join(plan))
        db.session.rollback()
        db.session.remove()
    return out


def one_line(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test",
                    help="a PostgreSQL server to create the throwaway database on (default: %(default)s)")
    ap.add_argument("--small", type=int, default=10_000, help="shipments in the small case (default 10000)")
    ap.add_argument("--large", type=int, default=1_000_000, help="shipments in the large case (default 1000000)")
    ap.add_argument("--repeats", type=int, default=20, help="timed claims per size (default 20)")
    ap.add_argument("--what-if", action="store_true",
                    help="also measure the candidate fixes on the throwaway database (not the product's code)")
    args = ap.parse_args()
    rerun = _fixture.rerun_command(__file__, sys.argv[1:])

    print("== claim_scale: claim_due(limit=200) at 10k and 1M shipments, PostgreSQL ==")
    url, name = _fixture.create_pg_database(args.database_url, "bench_claim_")
    results, plans, what_if = {}, [], {}
    try:
        took = _fixture.migrate(url)
        print(f"database: {_fixture.redact(url)} (fresh; flask db upgrade in {took:.1f}s)")
        app = _fixture.make_app(_fixture.bench_env(url))
        from tracking.models.types import utcnow
        now = utcnow()
        loaded = 0
        for size in (args.small, args.large):
            secs = load(url, loaded + 1, size, now)
            print(f"loaded:   rows {loaded + 1}..{size} in {secs:.1f}s "
                  f"({(size - loaded) / max(secs, 1e-9):,.0f} rows/s, INSERT ... SELECT generate_series, "
                  f"then VACUUM ANALYZE)")
            loaded = size
            m = mix(app)
            r = measure(app, args.repeats)
            r["mix"] = m
            results[size] = r
            print(f"{size:>9,} shipments ({m['due']:,} due, {m['final']:,} final, table+indexes "
                  f"{m['bytes'] / 1e6:,.0f} MB): claim_due median {r['median']:.2f} ms, p90 {r['p90']:.2f}, "
                  f"min {r['min']:.2f} ({r['claimed']} claimed); alone: UPDATE {r['per_statement'][0]:.2f} ms, "
                  f"SELECT by claimed_by {r['per_statement'][1]:.2f} ms")
            if size == args.large:
                plans = explain(app, r["statements"])
        if args.what_if:
            what_if["returning"] = measure(app, args.repeats, what_if="returning")
            from tracking.extensions import db
            from sqlalchemy import text
            with app.app_context():
                t0 = time.monotonic()
                db.session.execute(text("CREATE INDEX bench_ix_shipments_claimed_by ON shipments "
                                        "(claimed_by) WHERE claimed_by IS NOT NULL"))
                db.session.commit()
                db.session.remove()
                index_secs = time.monotonic() - t0
            what_if["partial index"] = measure(app, args.repeats)
            what_if["partial index"]["index_secs"] = index_secs
    finally:
        _fixture.drop_pg_database(args.database_url, name)
        print(f"database {name} dropped")

    small, large = results[args.small], results[args.large]
    print()
    print(f"claim statement 1 (UPDATE): {one_line(large['statements'][0][0])}")
    print(f"claim statement 2 (SELECT): {one_line(large['statements'][1][0])[:220]}")
    for title, plan in zip(("UPDATE", "SELECT"), plans):
        print(f"\nEXPLAIN (ANALYZE, BUFFERS), {args.large:,} shipments, the {title}:")
        print("  " + plan.replace("\n", "\n  "))
    print()
    header = f"{'shipments':>10} {'median ms':>10} {'p90 ms':>8} {'UPDATE ms':>10} {'SELECT ms':>10}"
    print(header)
    print("-" * len(header))
    for size, r in results.items():
        print(f"{size:>10,} {r['median']:>10.2f} {r['p90']:>8.2f} {r['per_statement'][0]:>10.2f} "
              f"{r['per_statement'][1]:>10.2f}")
    ratio = large["median"] / small["median"]
    print()
    print(f"{args.large:,} / {args.small:,}: {ratio:.2f}x   target <= {TARGET_RATIO:g}x   "
          f"{'MET' if ratio <= TARGET_RATIO else 'MISSED'}")
    upd = large["per_statement"][0] / max(1e-9, small["per_statement"][0])
    sel = large["per_statement"][1] / max(1e-9, small["per_statement"][1])
    print(f"  by statement: UPDATE {upd:.2f}x, SELECT by claimed_by {sel:.2f}x")
    if plans and re.search(r"Seq Scan on shipments", plans[1]):
        print("  the SELECT of the claimed rows reads the whole table (Seq Scan on shipments: no index "
              "on claimed_by)")
    if what_if:
        print()
        print(f"what-if, at {args.large:,} shipments on the same database (candidate fixes, not the product's code):")
        for label, r in what_if.items():
            extra = f" (index built in {r['index_secs']:.1f}s)" if "index_secs" in r else ""
            print(f"  {label:<14} claim median {r['median']:.2f} ms = {r['median'] / small['median']:.2f}x "
                  f"the {args.small:,} case's{extra}")
    print()
    print(f"rerun: {rerun}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
