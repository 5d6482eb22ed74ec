"""A/B variants: a weighted choice that stays the same for a shopper in every process."""
import hashlib

BUCKETS = 10_000


def normalise_email(email: str | None) -> str | None:
    """The address as compared everywhere (trimmed, lower case), or None when there is none."""
    email = (email or "").strip().lower()
    return email or None


def shopper_key(email: str | None, order_id: int) -> str:
    """Who the shopper is for variant assignment: the email, else the order (one shopper)."""
    return normalise_email(email) or f"order:{order_id}"


def bucket(offer_id: int, key: str) -> int:
    """A stable number in [0, BUCKETS) for this offer and shopper (SHA-256, not Python's hash())."""
    digest = hashlib.sha256(f"{offer_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def choose(variants: list, offer_id: int, key: str):
    """The variant this shopper sees: each with probability weight / total; None when all are 0.

    Variants are taken in id order, so the choice depends only on the offer, the shopper and
    the weights. Changing the weights reshuffles some shoppers; that is the merchant's call.
    """
    live = sorted((v for v in variants if (v.weight or 0) > 0), key=lambda v: v.id)
    total = sum(v.weight for v in live)
    if not total:
        return None
    point = bucket(offer_id, key) * total / BUCKETS
    running = 0
    for variant in live:
        running += variant.weight
        if point < running:
            return variant
    return live[-1]
