"""Targeting rules: pure functions deciding whether an offer suits one shipment's shopper.

Rules are a JSON object stored on the offer. Every key present must hold (AND); a key whose
value is a list matches when any listed value does (OR). Unknown keys are refused when the
offer is saved, so a typo never silently widens an offer's audience.
"""
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..status import STATUSES, SUBSTATUSES

# Statuses where the shopper is worried, not shopping: no upsell then (see `allowed`).
TROUBLE_STATUSES = ("exception", "failed_attempt")
UPSELL_KINDS = ("banner", "recommendations", "loyalty", "replenishment")
CUSTOMER_TYPES = ("first", "repeat")
LIST_KEYS = ("status", "substatus", "skus", "categories", "locales", "countries")
RULE_KEYS = (*LIST_KEYS, "late", "days_since_delivery_min", "days_since_delivery_max", "customer")
MAX_LIST = 200
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class RuleError(ValueError):
    """A rule that cannot be saved; `str()` is a message for the merchant."""


@dataclass(frozen=True)
class Context:
    """What the rules look at, gathered once per tracking page (see offers.select)."""
    status: str
    substatus: str | None = None
    late: bool = False  # past the latest promised delivery time
    stalled: bool = False  # no carrier scan for longer than usual
    days_since_delivery: int | None = None  # None: not delivered
    skus: frozenset = frozenset()
    categories: frozenset = frozenset()
    previous_orders: int | None = None  # the merchant's earlier orders for this email; None: no email
    locale: str = "en"
    country: str | None = None

    @property
    def troubled(self) -> bool:
        """Lost, held, a failed attempt, late or gone quiet: a moment for an apology, not a sale."""
        return self.status in TROUBLE_STATUSES or self.late or self.stalled


def _string_list(key: str, value, allowed=None, transform=str.strip) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise RuleError(_l("Rule “%(key)s” must be a list of words.", key=key))
    cleaned = list(dict.fromkeys(transform(v) for v in value if v.strip()))
    if not cleaned:
        raise RuleError(_l("Rule “%(key)s” is empty: remove it or list at least one value.", key=key))
    if len(cleaned) > MAX_LIST or any(len(v) > 100 for v in cleaned):
        raise RuleError(_l("Rule “%(key)s” is too long.", key=key))
    if allowed is not None:
        unknown = [v for v in cleaned if v not in allowed]
        if unknown:
            raise RuleError(_l("Rule “%(key)s” does not know: %(values)s.", key=key,
                               values=", ".join(unknown)))
    return cleaned


def _days(key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3650:
        raise RuleError(_l("Rule “%(key)s” must be a whole number of days from 0 to 3650.", key=key))
    return value


def validate_rules(raw, languages: list[str]) -> dict:
    """The rules, checked and normalised; RuleError for unknown keys or bad values."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RuleError(_l("Rules must be an object of conditions."))
    unknown = sorted(set(raw) - set(RULE_KEYS))
    if unknown:
        raise RuleError(_l("Unknown rule: %(keys)s.", keys=", ".join(map(str, unknown))))
    rules: dict = {}
    for key, value in raw.items():
        if key == "status":
            rules[key] = _string_list(key, value, STATUSES)
        elif key == "substatus":
            rules[key] = _string_list(key, value, SUBSTATUSES)
        elif key in ("skus", "categories"):
            rules[key] = _string_list(key, value)
        elif key == "locales":
            rules[key] = _string_list(key, value, languages)
        elif key == "countries":
            rules[key] = _string_list(key, value, transform=lambda v: v.strip().upper())
            if not all(_COUNTRY.match(c) for c in rules[key]):
                raise RuleError(_l("Countries are two-letter codes such as US or FR."))
        elif key == "late":
            if not isinstance(value, bool):
                raise RuleError(_l("Rule “late” must be true or false."))
            rules[key] = value
        elif key == "customer":
            if value not in CUSTOMER_TYPES:
                raise RuleError(_l("Rule “customer” must be “first” or “repeat”."))
            rules[key] = value
        else:
            rules[key] = _days(key, value)
    low, high = rules.get("days_since_delivery_min"), rules.get("days_since_delivery_max")
    if low is not None and high is not None and low > high:
        raise RuleError(_l("The smallest number of days since delivery is above the largest."))
    return rules


def _locale_matches(wanted: list[str], locale: str) -> bool:
    language = locale.split("_")[0]
    return any(w == locale or ("_" not in w and w == language) for w in wanted)


def _customer_matches(wanted: str, previous_orders: int | None) -> bool:
    if previous_orders is None:
        return False  # no email, no history: neither first nor repeat is known
    return (previous_orders == 0) == (wanted == "first")


def matches(rules: dict, ctx: Context) -> bool:
    """True when every condition of `rules` holds for `ctx` (an empty rule set always holds)."""
    checks = {
        "status": lambda v: ctx.status in v,
        "substatus": lambda v: ctx.substatus in v,
        "late": lambda v: (ctx.late or ctx.stalled) == v,
        "days_since_delivery_min": lambda v: ctx.days_since_delivery is not None
        and ctx.days_since_delivery >= v,
        "days_since_delivery_max": lambda v: ctx.days_since_delivery is not None
        and ctx.days_since_delivery <= v,
        "skus": lambda v: not ctx.skus.isdisjoint(v),
        "categories": lambda v: not ctx.categories.isdisjoint(v),
        "customer": lambda v: _customer_matches(v, ctx.previous_orders),
        "locales": lambda v: _locale_matches(v, ctx.locale),
        "countries": lambda v: (ctx.country or "").upper() in v,
    }
    return all(checks[key](value) for key, value in rules.items() if key in checks)


def targets_trouble(rules: dict, ctx: Context) -> bool:
    """The offer was written for this kind of trouble: its rules name the status, or lateness."""
    if ctx.status in TROUBLE_STATUSES and ctx.status in rules.get("status", ()):
        return True
    return (ctx.late or ctx.stalled) and rules.get("late") is True


def allowed(kind: str, placement: str, rules: dict, ctx: Context) -> bool:
    """`matches`, under the default guards the merchant cannot switch off.

    - In trouble (exception, failed attempt, late, quiet) no upsell is ever shown; another kind
      (a discount code as an apology) only when its rules target that trouble explicitly.
    - Review requests and the after-delivery placement wait for the delivery.
    """
    if ctx.troubled and (kind in UPSELL_KINDS or not targets_trouble(rules, ctx)):
        return False
    if (kind == "review_request" or placement == "after_delivery") and ctx.status != "delivered":
        return False
    return matches(rules, ctx)
