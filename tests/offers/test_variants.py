"""A/B assignment: weighted, and stable for a shopper across calls and processes."""
import subprocess
import sys
from collections import Counter
from types import SimpleNamespace

from tracking.offers.variants import bucket, choose, normalise_email, shopper_key

A, B, PAUSED = (SimpleNamespace(id=1, weight=1), SimpleNamespace(id=2, weight=3),
                SimpleNamespace(id=3, weight=0))


def test_the_same_shopper_always_gets_the_same_variant():
    key = shopper_key("  Alex@Example.COM ", 99)
    assert key == shopper_key("alex@example.com", 1) == "alex@example.com"
    assert {choose([A, B], 7, key).id for _ in range(20)} == {choose([B, A], 7, key).id}


def test_assignment_does_not_depend_on_the_process():
    """Python's hash() is salted per process; the bucket must not be."""
    code = "from tracking.offers.variants import bucket; print(bucket(7, 'alex@example.com'))"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed}).stdout.strip() for seed in ("1", "2")}
    assert runs == {str(bucket(7, "alex@example.com"))}


def test_weights_split_shoppers_in_proportion():
    counts = Counter(choose([A, B, PAUSED], 7, f"shopper{n}@example.com").id for n in range(8000))
    assert PAUSED.id not in counts
    assert 0.72 < counts[B.id] / 8000 < 0.78  # 3 of 4


def test_offers_split_independently():
    """A shopper in variant A of one offer is not always in A of the next."""
    keys = [f"s{n}@example.com" for n in range(400)]
    first = [choose([A, B], 1, k).id for k in keys]
    second = [choose([A, B], 2, k).id for k in keys]
    assert first != second


def test_no_live_variant_and_missing_email():
    assert choose([PAUSED], 7, "x") is None and choose([], 7, "x") is None
    assert shopper_key(None, 42) == shopper_key("  ", 42) == "order:42"
    assert normalise_email(None) is None
