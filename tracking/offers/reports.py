"""Offer reports: impressions, clicks, CTR with Wilson intervals, attributed orders, A/B verdicts."""
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..models import Offer, OfferAttribution, OfferClick, OfferImpressionDay

Z95 = 1.959963984540054


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion (95 % by default); (0, 1) with no trials."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class VariantStats:
    """One variant's figures."""
    variant_id: int
    name: str
    impressions: int = 0
    clicks: int = 0
    orders: int = 0
    revenue: dict[str, Decimal] = field(default_factory=dict)  # currency -> total

    @property
    def ctr(self) -> float | None:
        return self.clicks / self.impressions if self.impressions else None

    @property
    def ctr_interval(self) -> tuple[float, float]:
        return wilson(min(self.clicks, self.impressions), self.impressions)


@dataclass
class Comparison:
    """A variant against the first one: difference in CTR, its 95 % interval, p-value, verdict."""
    control: VariantStats
    challenger: VariantStats
    difference: float | None
    interval: tuple[float, float] | None
    p_value: float | None
    verdict: str


def _newcombe(a: VariantStats, b: VariantStats) -> tuple[float, tuple[float, float]]:
    """b's CTR minus a's, with Newcombe's hybrid score interval (built from the Wilson ones)."""
    pa, pb = a.clicks / a.impressions, b.clicks / b.impressions
    (la, ua), (lb, ub) = a.ctr_interval, b.ctr_interval
    diff = pb - pa
    return diff, (diff - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2),
                  diff + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2))


def _p_value(a: VariantStats, b: VariantStats) -> float:
    """Two-sided p-value of the pooled two-proportion z-test."""
    pooled = (a.clicks + b.clicks) / (a.impressions + b.impressions)
    se = math.sqrt(pooled * (1 - pooled) * (1 / a.impressions + 1 / b.impressions))
    if se == 0:
        return 1.0
    z = (b.clicks / b.impressions - a.clicks / a.impressions) / se
    return math.erfc(abs(z) / math.sqrt(2))


def compare(a: VariantStats, b: VariantStats, min_impressions: int) -> Comparison:
    """How `b` does against `a`, in plain words; "not enough data yet" below `min_impressions`."""
    if min(a.impressions, b.impressions) < max(min_impressions, 1):
        return Comparison(a, b, None, None, None, str(_l(
            "Not enough data yet: each variant needs at least %(n)d impressions.", n=min_impressions)))
    diff, interval = _newcombe(a, b)
    p = _p_value(a, b)
    if interval[0] > 0:
        verdict = _l("“%(b)s” gets more clicks than “%(a)s” (95 %% confidence).", a=a.name, b=b.name)
    elif interval[1] < 0:
        verdict = _l("“%(b)s” gets fewer clicks than “%(a)s” (95 %% confidence).", a=a.name, b=b.name)
    else:
        verdict = _l("No clear difference between “%(a)s” and “%(b)s” yet.", a=a.name, b=b.name)
    return Comparison(a, b, diff, interval, p, str(verdict))


def _by_variant(stmt) -> dict:
    return {row[0]: row[1:] for row in db.session.execute(stmt)}


def offer_stats(offers: list[Offer]) -> dict[int, list[VariantStats]]:
    """{offer id: [VariantStats per variant, in id order]} with three grouped queries."""
    ids = [o.id for o in offers]
    if not ids:
        return {}
    shown = _by_variant(select(OfferImpressionDay.variant_id, func.sum(OfferImpressionDay.impressions))
                        .where(OfferImpressionDay.offer_id.in_(ids)).group_by(OfferImpressionDay.variant_id))
    clicked = _by_variant(select(OfferClick.variant_id, func.count(OfferClick.id))
                          .where(OfferClick.offer_id.in_(ids)).group_by(OfferClick.variant_id))
    revenue = defaultdict(dict)
    orders = defaultdict(int)
    for variant_id, currency, count, total in db.session.execute(
            select(OfferAttribution.variant_id, OfferAttribution.currency,
                   func.count(OfferAttribution.id), func.sum(OfferAttribution.revenue))
            .where(OfferAttribution.offer_id.in_(ids))
            .group_by(OfferAttribution.variant_id, OfferAttribution.currency)):
        orders[variant_id] += count
        if currency and total is not None:
            revenue[variant_id][currency] = Decimal(total)
    return {offer.id: [VariantStats(v.id, v.name, int((shown.get(v.id) or [0])[0] or 0),
                                    int((clicked.get(v.id) or [0])[0]), orders[v.id], revenue[v.id])
                       for v in offer.variants] for offer in offers}


def total(stats: list[VariantStats]) -> VariantStats:
    """The offer's figures, all variants together."""
    out = VariantStats(0, "")
    for s in stats:
        out.impressions += s.impressions
        out.clicks += s.clicks
        out.orders += s.orders
        for currency, amount in s.revenue.items():
            out.revenue[currency] = out.revenue.get(currency, Decimal(0)) + amount
    return out


def comparisons(stats: list[VariantStats]) -> list[Comparison]:
    """Each variant after the first against the first (the control)."""
    least = current_app.config["OFFER_REPORT_MIN_IMPRESSIONS"]
    return [compare(stats[0], other, least) for other in stats[1:]]
