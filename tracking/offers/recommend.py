"""Precompute each merchant's "bought together" recommendations from its own order history.

Scoring is **lift**: lift(a, b) = P(a and b) / (P(a) · P(b)) = together · orders / (n_a · n_b),
how many times more often b is in a basket holding a than in any basket. It discounts the best
sellers that sit in every basket (plain co-occurrence counts or "confidence" would recommend them
to everyone; their lift stays near 1, which is what chance gives), and a lift of 1 or less is
not "bought together" at all, so such pairs are dropped. Cosine, n_ab / sqrt(n_a · n_b), also
discounts popularity but only by its square root and has no "chance" level to cut at. Lift's
known weakness, overrating rare items (two items sold once, together, have a huge lift), is
contained by a minimum support: a pair must share at least RECOMMENDATIONS_MIN_SUPPORT orders.

Each sku gets RECOMMENDATIONS_PER_PRODUCT recommendations: bought-together ones by lift (ties by
orders shared), then best sellers of its category, then the merchant's best sellers, never
itself; only in-stock catalogue products are recommended (the page checks stock again at read
time). The merchant's old rows are replaced in one transaction, so the page never sees half.
"""
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations, groupby
from operator import itemgetter

from flask import current_app
from sqlalchemy import delete, func, insert, or_, select

from ..extensions import db
from ..models import LineItem, Merchant, Order, Product, ProductRecommendation, RecommendationRun
from ..models.merchant import move_page_version
from ..models.types import utcnow
from .catalogue import chunks

log = logging.getLogger(__name__)
# Baskets with more distinct skus than this (wholesale, test orders) count towards popularity
# but not towards pairs: 200 items would add 19,900 pairs of little meaning.
MAX_BASKET = 50
STREAM_ROWS = 10_000
RUNS_KEPT = timedelta(days=30)


@dataclass
class History:
    """What the counting pass learnt from a merchant's orders."""
    orders: int
    item_orders: Counter      # sku -> orders containing it
    pair_orders: Counter      # (sku_a, sku_b), a < b -> orders containing both
    categories: dict          # sku -> category last seen on a line item


@dataclass
class RunSummary:
    merchant_id: int
    orders: int
    products: int
    rows: int
    seconds: float


def count_history(merchant_id: int, since: datetime | None) -> History:
    """Stream the merchant's line items once, order by order, counting items and pairs."""
    placed = func.coalesce(Order.placed_at, Order.created_at)
    stmt = (select(LineItem.order_id, LineItem.sku, LineItem.category)
            .join(Order, Order.id == LineItem.order_id)
            .where(Order.merchant_id == merchant_id)
            .order_by(LineItem.order_id))
    if since is not None:
        stmt = stmt.where(placed >= since)
    items, pairs, categories, orders = Counter(), Counter(), {}, 0
    rows = db.session.execute(stmt.execution_options(yield_per=STREAM_ROWS))
    for _, group in groupby(rows, key=itemgetter(0)):
        basket = set()
        for _, sku, category in group:
            basket.add(sku)
            if category:
                categories[sku] = category
        orders += 1
        items.update(basket)
        if 1 < len(basket) <= MAX_BASKET:
            pairs.update(combinations(sorted(basket), 2))
    return History(orders, items, pairs, categories)


def bought_together(history: History, min_support: int, allowed: set[str]) -> dict[str, list]:
    """sku -> [(lift, orders together, other sku)] for pairs above chance with enough support."""
    neighbours = defaultdict(list)
    n, orders = history.item_orders, history.orders
    for (a, b), together in history.pair_orders.items():
        if together < min_support:
            continue
        lift = together * orders / (n[a] * n[b])
        if lift <= 1.0:
            continue
        if b in allowed:
            neighbours[a].append((lift, together, b))
        if a in allowed:
            neighbours[b].append((lift, together, a))
    return neighbours


def rank_for(sku: str, together: list, category_best: list, best: list, per_product: int) -> list:
    """[(recommended sku, score, source)], at most `per_product`, best first, never `sku` itself."""
    picked, seen = [], {sku}
    for lift, _, other in sorted(together, key=lambda t: (-t[0], -t[1], t[2]))[:per_product]:
        picked.append((other, lift, "bought_together"))
        seen.add(other)
    for source, candidates in (("category", category_best), ("best_seller", best)):
        for other, share in candidates:
            if len(picked) >= per_product:
                return picked
            if other not in seen:
                picked.append((other, share, source))
                seen.add(other)
    return picked


def build_rows(merchant_id: int, history: History, catalogue: list, per_product: int,
               min_support: int) -> list[dict]:
    """Every sku's recommendation rows; `catalogue` is [(sku, category, in_stock)]."""
    in_stock = {sku for sku, _, stocked in catalogue if stocked}
    categories = {**history.categories, **{sku: cat for sku, cat, _ in catalogue if cat}}
    orders = history.orders or 1
    best = sorted(((sku, history.item_orders[sku] / orders) for sku in in_stock
                   if history.item_orders[sku]), key=lambda t: (-t[1], t[0]))
    by_category = defaultdict(list)
    for sku, share in best:
        if sku in categories:
            by_category[categories[sku]].append((sku, share))
    neighbours = bought_together(history, min_support, in_stock)
    rows = []
    for sku in sorted(set(history.item_orders) | {sku for sku, _, _ in catalogue}):
        ranked = rank_for(sku, neighbours.get(sku, ()), by_category.get(categories.get(sku), ()),
                          best, per_product)
        rows.extend({"merchant_id": merchant_id, "sku": sku, "recommended_sku": other,
                     "score": round(score, 6), "rank": rank, "source": source}
                    for rank, (other, score, source) in enumerate(ranked, start=1))
    return rows


def _replace(merchant_id: int, rows: list[dict], run: dict) -> None:
    """Swap the merchant's rows in one transaction, one writer per merchant at a time (the
    version's update locks the merchant's row, and cached pages show the new rows)."""
    move_page_version(merchant_id, run["finished_at"])
    db.session.execute(delete(ProductRecommendation).where(
        ProductRecommendation.merchant_id == merchant_id))
    for part in chunks(rows, 5000):
        db.session.execute(insert(ProductRecommendation), part)
    db.session.execute(insert(RecommendationRun), [run])
    db.session.execute(delete(RecommendationRun).where(  # the console shows the latest only
        RecommendationRun.merchant_id == merchant_id,
        RecommendationRun.finished_at < run["finished_at"] - RUNS_KEPT))
    db.session.commit()


def compute(merchant_id: int, now: datetime | None = None) -> RunSummary:
    """Recompute one merchant's recommendations from its order history and store them."""
    config = current_app.config
    started, now = time.perf_counter(), now or utcnow()
    days = config["RECOMMENDATIONS_HISTORY_DAYS"]
    history = count_history(merchant_id, now - timedelta(days=days) if days else None)
    catalogue = db.session.execute(select(Product.sku, Product.category, Product.in_stock).where(
        Product.merchant_id == merchant_id)).all()
    rows = build_rows(merchant_id, history, catalogue, config["RECOMMENDATIONS_PER_PRODUCT"],
                      config["RECOMMENDATIONS_MIN_SUPPORT"])
    seconds = time.perf_counter() - started
    _replace(merchant_id, rows, {"merchant_id": merchant_id, "finished_at": utcnow(),
                                 "orders": history.orders, "products": len(catalogue),
                                 "rows": len(rows), "duration_ms": int(seconds * 1000)})
    seconds = time.perf_counter() - started
    log.info("recommendations for merchant %s: %s rows from %s orders in %.2fs", merchant_id,
             len(rows), history.orders, seconds, extra={
                 "event": "recommendations", "merchant_id": merchant_id, "rows": len(rows),
                 "orders": history.orders, "seconds": round(seconds, 3)})
    return RunSummary(merchant_id, history.orders, len(catalogue), len(rows), seconds)


def compute_all(now: datetime | None = None, fresh_for: timedelta | None = None) -> list[RunSummary]:
    """Recompute every merchant that has a catalogue or orders, except those computed within
    `fresh_for` (so several workers share the job). One merchant's failure is logged, not fatal."""
    now = now or utcnow()
    stmt = select(Merchant.id).where(or_(
        select(Product.id).where(Product.merchant_id == Merchant.id).exists(),
        select(Order.id).where(Order.merchant_id == Merchant.id).exists(),
    )).order_by(Merchant.id)
    if fresh_for is not None:
        stmt = stmt.where(~select(RecommendationRun.id).where(
            RecommendationRun.merchant_id == Merchant.id,
            RecommendationRun.finished_at > now - fresh_for).exists())
    summaries = []
    for merchant_id in db.session.scalars(stmt).all():
        try:
            summaries.append(compute(merchant_id, now))
        except Exception:
            db.session.rollback()
            log.exception("recommendations failed for merchant %s", merchant_id,
                          extra={"event": "recommendations_failed", "merchant_id": merchant_id})
    return summaries


def last_run(merchant_id: int) -> RecommendationRun | None:
    """The merchant's latest precompute, if any."""
    return db.session.scalars(select(RecommendationRun).where(
        RecommendationRun.merchant_id == merchant_id).order_by(
        RecommendationRun.finished_at.desc(), RecommendationRun.id.desc()).limit(1)).first()
