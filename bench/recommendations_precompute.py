#!/usr/bin/env python3
"""Recommendation precompute time for a large order history, against reading the same rows.

Builds one merchant with --products products in 50 categories and --orders orders of --items
distinct items each (popularity skewed like a real shop: a few best sellers, a long tail; one
order in three holds a planted "bundle" of two products bought together), then times
`tracking.offers.recommend.compute` (stream line items, count pairs, score by lift, fill from
categories and best sellers, replace the rows in one transaction). Baseline, in the same
process: streaming the same line items with the same query and doing nothing with them.

Target: under 30 s for 100,000 orders x 3 items over 5,000 products. Also prints how many
planted bundles were found as each other's first recommendation (a sanity check, not a target).
SQLite in a temporary folder by default; --database-url postgresql://... makes a fresh database
on that server (dropped at the end). Always exits 0.
"""
import argparse
import os
import random
import sys
import tempfile
import time

import _fixture

TARGET_SECONDS = 30.0


def _create_schema(app) -> str:
    from flask_migrate import upgrade
    with app.app_context():
        upgrade()
    return "flask db upgrade"


def seed(app, orders: int, items: int, products: int, rng: random.Random) -> tuple[int, dict]:
    """The merchant's catalogue and history, bulk-inserted; (merchant id, planted bundles)."""
    from sqlalchemy import insert, select

    from tracking.extensions import db
    from tracking.models import LineItem, Merchant, Order, Product
    from tracking.models.types import utcnow
    skus = [f"SKU-{n:05}" for n in range(products)]
    weights = [1.0 / (rank + 10) for rank in range(products)]  # Zipf-like popularity
    # Bundles: 200 disjoint pairs from the long tail, each other's natural companion.
    tail = skus[products // 10:]
    rng.shuffle(tail)
    bundles = {tail[2 * i]: tail[2 * i + 1] for i in range(min(200, len(tail) // 2))}
    bundle_list = list(bundles.items())
    with app.app_context():
        merchant = Merchant(slug="bench-shop", name="Bench shop")
        db.session.add(merchant)
        db.session.commit()
        now = utcnow()
        db.session.execute(insert(Product), [
            {"merchant_id": merchant.id, "sku": sku, "title": f"Product {sku}", "price": 10,
             "currency": "USD", "category": f"cat-{n % 50}", "tags": [], "in_stock": n % 40 != 0,
             "created_at": now, "updated_at": now} for n, sku in enumerate(skus)])
        db.session.commit()
        first_id = (db.session.scalar(select(Order.id).order_by(Order.id.desc()).limit(1)) or 0) + 1
        for start in range(0, orders, 10_000):
            batch = range(start, min(start + 10_000, orders))
            order_rows, item_rows = [], []
            for n in batch:
                order_id = first_id + n
                basket = set()
                if n % 3 == 0:
                    basket.update(rng.choice(bundle_list))
                while len(basket) < items:
                    basket.update(rng.choices(skus, weights, k=items - len(basket)))
                order_rows.append({"id": order_id, "merchant_id": merchant.id, "number": f"B{n}",
                                   "placed_at": now, "created_at": now})
                item_rows.extend({"order_id": order_id, "sku": sku, "title": sku, "quantity": 1}
                                 for sku in list(basket)[:items])
            db.session.execute(insert(Order), order_rows)
            db.session.execute(insert(LineItem), item_rows)
            db.session.commit()
        return merchant.id, bundles


def time_read(app, merchant_id: int) -> tuple[float, int]:
    """Seconds to stream the precompute's own query without counting anything; rows read."""
    from sqlalchemy import select

    from tracking.extensions import db
    from tracking.models import LineItem, Order
    with app.app_context():
        stmt = (select(LineItem.order_id, LineItem.sku, LineItem.category)
                .join(Order, Order.id == LineItem.order_id)
                .where(Order.merchant_id == merchant_id).order_by(LineItem.order_id))
        t0, rows = time.perf_counter(), 0
        for _ in db.session.execute(stmt.execution_options(yield_per=10_000)):
            rows += 1
        return time.perf_counter() - t0, rows


def time_compute(app, merchant_id: int, bundles: dict) -> tuple[float, object, int]:
    """Seconds for recommend.compute; its summary; bundles found as each other's first pick."""
    from sqlalchemy import select

    from tracking.extensions import db
    from tracking.models import ProductRecommendation as Rec
    from tracking.offers.recommend import compute
    with app.app_context():
        t0 = time.perf_counter()
        summary = compute(merchant_id)
        seconds = time.perf_counter() - t0
        first = dict(db.session.execute(select(Rec.sku, Rec.recommended_sku).where(
            Rec.merchant_id == merchant_id, Rec.rank == 1)).all())
        found = sum(1 for a, b in bundles.items() if first.get(a) == b)
        return seconds, summary, found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=3, help="distinct items per order")
    ap.add_argument("--products", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--database-url", help="a PostgreSQL server URL: a fresh database is made on it")
    args = ap.parse_args()
    rerun = _fixture.rerun_command(__file__, sys.argv[1:])
    tmpdir, pg_name = None, None
    if args.database_url:
        url, pg_name = _fixture.create_pg_database(args.database_url, "bench_recs_")
    else:
        tmpdir = tempfile.TemporaryDirectory(prefix="tracking-bench-")
        url = "sqlite:///" + os.path.join(tmpdir.name, "bench.sqlite3")
    try:
        app = _fixture.make_app(_fixture.bench_env(url))
        how = _create_schema(app)
        t0 = time.perf_counter()
        merchant_id, bundles = seed(app, args.orders, args.items, args.products, random.Random(args.seed))
        print(f"database: {_fixture.redact(url)} ({how})")
        print(f"seeded:   {args.orders:,} orders x {args.items} items over {args.products:,} products "
              f"(1 in 40 out of stock, {len(bundles)} planted bundles) in {time.perf_counter() - t0:.1f}s")
        read_s, rows = time_read(app, merchant_id)
        compute_s, summary, found = time_compute(app, merchant_id, bundles)
        print(f"baseline: stream {rows:,} line items, no counting: {read_s:.2f}s")
        print(f"compute:  recommend.compute: {compute_s:.2f}s ({summary.rows:,} rows written for "
              f"{summary.products:,} products from {summary.orders:,} orders)")
        print(f"ratio:    compute / read = {compute_s / read_s:.2f}x")
        verdict = "met" if compute_s < TARGET_SECONDS else "MISSED"
        print(f"target:   < {TARGET_SECONDS:.0f}s for 100,000 orders x 3 items over 5,000 products: "
              f"{verdict} ({compute_s:.2f}s)")
        print(f"sanity:   {found}/{len(bundles)} planted bundles are each other's first recommendation")
    finally:
        if pg_name:
            _fixture.drop_pg_database(args.database_url, pg_name)
        if tmpdir:
            tmpdir.cleanup()
    print(f"rerun: {rerun}")


if __name__ == "__main__":
    main()
