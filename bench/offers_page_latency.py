#!/usr/bin/env python3
"""Tracking page p99 latency with three offer slots and recommendations, against the same page
without offers, under gunicorn in the same run.

Seeds the demo data (bench/_fixture.py), adds a catalogue for the demo merchant with precomputed
recommendations (tracking.offers.recommend.compute) and three offers that all show on a
delivered shipment's page (a banner under the status, recommendations beside the timeline, a
discount code after delivery). Then, on one gunicorn:
  1. offers switched off: the page /t/<token> (the baseline);
  2. offers on (a fresh gunicorn, so no render cache holds the old page): the page, the offers
     partial /t/<token>/offers alone, and "page + offers": each iteration fetches the page and
     then the partial on the same connection, as a browser does, timed together.
Runs 1 and 2 use the same client (wrk for single URLs when installed; the threaded Python client
for the page + offers pair, and for everything with --python-client). Target: page + offers p99
< 1.2 x the no-offers page p99. Exits 0: the figures are for reading, not for gating.
"""
import argparse
import os
import shutil
import sys

import _fixture
import page_throughput as pt

TARGET_RATIO = 1.2


def add_offers(app, token: str) -> str:
    """Catalogue, recommendations and three offers for the measured page's merchant; that
    shipment is marked delivered so all three placements apply. Returns its token."""
    from sqlalchemy import select

    from tracking.extensions import db
    from tracking.models import (LineItem, Offer, OfferVariant, Order, Product, ProductRecommendation,
                                 Shipment)
    from tracking.offers.recommend import compute

    with app.app_context():
        shipment = db.session.scalar(select(Shipment).filter_by(public_token=token))
        merchant_id = shipment.merchant_id
        skus = set(db.session.scalars(select(LineItem.sku).join(Order).where(Order.merchant_id == merchant_id)))
        for n, sku in enumerate(sorted(skus) + [f"EXTRA-{i}" for i in range(20)]):
            db.session.add(Product(merchant_id=merchant_id, sku=sku, title=f"Product {sku}", price=10 + n,
                                   currency="USD", url=f"https://shop.example/p/{sku}", category=f"c{n % 4}",
                                   image_url=f"https://cdn.example/{sku}.jpg"))
        db.session.commit()
        compute(merchant_id)
        # The demo orders all hold the same items, so co-occurrence finds nothing new to offer:
        # add a few precomputed rows towards the extra products, as the job would for a real shop.
        for sku in skus:
            for rank in range(1, 5):
                db.session.add(ProductRecommendation(merchant_id=merchant_id, sku=sku, rank=100 + rank,
                                                     recommended_sku=f"EXTRA-{rank}", score=0.1,
                                                     source="category"))
        # A delivered page, so the after-delivery slot shows too (seeded journeys are frozen mid-way).
        shipment.status, shipment.substatus = "delivered", None
        shipment.delivered_at = shipment.last_event_at or shipment.created_at
        specs = [("banner", "under_status", {}), ("recommendations", "beside_timeline", {}),
                 ("discount_code", "after_delivery", {"discount_code": "THANKS-10"})]
        for kind, placement, extra in specs:
            offer = Offer(merchant_id=merchant_id, name=kind, kind=kind, placement=placement, enabled=False)
            offer.variants.append(OfferVariant(merchant_id=merchant_id, name="A", link_url="https://shop.example/",
                                               image_url="https://cdn.example/banner.jpg",
                                               content={"en": {"headline": f"{kind} headline", "body": "Body",
                                                               "cta": "Go"}}, **extra))
            db.session.add(offer)
        db.session.commit()
        token = shipment.public_token
        db.session.remove()
    return token


def switch_offers(app, enabled: bool) -> None:
    from sqlalchemy import update

    from tracking.extensions import db
    from tracking.models import Offer
    with app.app_context():
        db.session.execute(update(Offer).values(enabled=enabled))
        db.session.commit()
        db.session.remove()


def measure(env: dict, workers: int, log_path: str, runs: list, args) -> dict:
    """Start gunicorn, warm each run up, measure each; {name: result}."""
    port = pt.free_port()
    base = f"http://127.0.0.1:{port}"
    proc = pt.start_gunicorn(env, workers, port, log_path)
    results = {}
    try:
        pt.wait_healthy(base, proc)
        for name, runner, target in runs:
            runner(base, target, args, args.warmup)
        for name, runner, target in runs:
            results[name] = runner(base, target, args, args.duration)
    finally:
        pt.stop(proc)
    return results


def main() -> int:
    cores = os.cpu_count() or 1
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=10, help="seconds per measured run (default 10)")
    ap.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per run (default 3)")
    ap.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    ap.add_argument("--workers", type=int, default=2 * cores, help=f"gunicorn workers (default {2 * cores})")
    ap.add_argument("--database-url", help="use this database instead of a temp SQLite file")
    ap.add_argument("--seed", type=int, default=20, help="demo orders per scenario (default 20)")
    ap.add_argument("--python-client", action="store_true", help="Python client for every run")
    args = ap.parse_args()
    rerun = _fixture.rerun_command(__file__, sys.argv[1:])
    print("== offers_page_latency: tracking page with three offer slots vs without ==")
    tmp = None
    if not args.database_url:
        import tempfile
        tmp = tempfile.TemporaryDirectory(prefix="tracking-bench-offers-")
        args.database_url = "sqlite:///" + os.path.join(tmp.name, "bench.sqlite3")
    app, fx = _fixture.prepare(args.database_url, args.seed)
    token = add_offers(app, fx.token)
    use_wrk = shutil.which("wrk") is not None and not args.python_client
    single = ((lambda base, path, a, d: pt.run_wrk(base + path, a.threads, a.connections, d)) if use_wrk else
              (lambda base, path, a, d: pt.run_sequence(base, [path], a.connections, d)))
    pair = lambda base, paths, a, d: pt.run_sequence(base, paths, a.connections, d)  # noqa: E731
    page, partial = f"/t/{token}", f"/t/{token}/offers"
    log_path = os.path.join((fx.tmpdir or tmp).name, "gunicorn-offers.log")
    try:
        switch_offers(app, False)
        results = measure(fx.env, args.workers, log_path, [
            ("page, no offers", single, page), ("page, no offers (pair client)", pair, [page])], args)
        switch_offers(app, True)
        results.update(measure(fx.env, args.workers, log_path, [
            ("page, 3 offers on", single, page), ("offers partial alone", single, partial),
            ("page + offers partial", pair, [page, partial])], args))
        with app.test_client() as client:
            body = client.get(partial, headers={"User-Agent": pt.SHOPPER_UA}).get_data(as_text=True)
    finally:
        fx.cleanup()
        if tmp is not None:
            tmp.cleanup()
    print(f"page:     {page} (delivered), offers shown: {body.count('<article')} "
          f"(expects 3), products: {body.count('offer-product')}")
    print(f"client:   {'wrk' if use_wrk else 'python threads'} for single URLs, python threads for pairs; "
          f"{args.connections} connections, {args.duration:g}s each after {args.warmup:g}s warm-up; "
          f"gunicorn {args.workers} workers; load average {pt.load_average()}")
    print(f"\n{'run':<32} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        print(f"{name:<32} {r['rps']:>8.1f} {r['p50']:>8.2f} {r['p90']:>8.2f} {r['p99']:>8.2f} {r['non2xx']:>7}")
    base_single = results["page, no offers"]["p99"]
    base_pair = results["page, no offers (pair client)"]["p99"]
    page_ratio = results["page, 3 offers on"]["p99"] / base_single
    pair_ratio = results["page + offers partial"]["p99"] / base_pair
    print(f"\npage p99 with offers / without:              {page_ratio:.2f}   target < {TARGET_RATIO}   "
          f"{'MET' if page_ratio < TARGET_RATIO else 'MISSED'}")
    print(f"page + offers partial p99 / page without:    {pair_ratio:.2f}   target < {TARGET_RATIO}   "
          f"{'MET' if pair_ratio < TARGET_RATIO else 'MISSED'}  (same client for both)")
    print(f"\nrerun: {rerun}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
