"""The targeting rules: each condition alone, their combination, validation, and the default guard."""
import pytest

from tracking.offers.rules import Context, RuleError, allowed, matches, validate_rules

LANGUAGES = ["en", "es", "fr", "de", "pt_BR", "ja"]
BASE = Context(status="in_transit", skus=frozenset({"MUG", "TEA"}),
               categories=frozenset({"kitchen"}), previous_orders=0, locale="fr", country="FR")


def ctx(**changes) -> Context:
    return Context(**{**BASE.__dict__, **changes})


@pytest.mark.parametrize("rules, context, expected", [
    ({}, BASE, True),
    ({"status": ["in_transit", "out_for_delivery"]}, BASE, True),
    ({"status": ["delivered"]}, BASE, False),
    ({"substatus": ["customs"]}, ctx(substatus="customs"), True),
    ({"substatus": ["customs"]}, BASE, False),
    ({"late": True}, ctx(late=True), True),
    ({"late": True}, ctx(stalled=True), True),
    ({"late": True}, BASE, False),
    ({"late": False}, BASE, True),
    ({"late": False}, ctx(late=True), False),
    ({"days_since_delivery_min": 3}, ctx(status="delivered", days_since_delivery=3), True),
    ({"days_since_delivery_min": 3}, ctx(status="delivered", days_since_delivery=2), False),
    ({"days_since_delivery_max": 3}, ctx(status="delivered", days_since_delivery=4), False),
    ({"days_since_delivery_max": 3}, BASE, False),  # not delivered: no days to compare
    ({"skus": ["TEA", "BOWL"]}, BASE, True),
    ({"skus": ["BOWL"]}, BASE, False),
    ({"categories": ["kitchen"]}, BASE, True),
    ({"categories": ["garden"]}, BASE, False),
    ({"customer": "first"}, BASE, True),
    ({"customer": "repeat"}, BASE, False),
    ({"customer": "repeat"}, ctx(previous_orders=2), True),
    ({"customer": "first"}, ctx(previous_orders=None), False),  # no email: unknown
    ({"customer": "repeat"}, ctx(previous_orders=None), False),
    ({"locales": ["fr", "de"]}, BASE, True),
    ({"locales": ["pt_BR"]}, BASE, False),
    ({"locales": ["pt_BR"]}, ctx(locale="pt_BR"), True),
    ({"locales": ["pt"]}, ctx(locale="pt_BR"), True),  # a bare language covers its regions
    ({"countries": ["FR", "BE"]}, BASE, True),
    ({"countries": ["US"]}, BASE, False),
    ({"countries": ["US"]}, ctx(country=None), False),
])
def test_each_condition(rules, context, expected):
    assert matches(rules, context) is expected


def test_conditions_combine_with_and():
    rules = {"status": ["in_transit"], "categories": ["kitchen"], "countries": ["FR"], "customer": "first"}
    assert matches(rules, BASE)
    for broken in (ctx(status="pending"), ctx(categories=frozenset({"garden"})), ctx(country="DE"),
                   ctx(previous_orders=1)):
        assert not matches(rules, broken)


def test_validation_normalises_and_refuses_unknown_keys():
    assert validate_rules({"countries": [" fr ", "be"], "skus": "MUG", "late": True}, LANGUAGES) == \
        {"countries": ["FR", "BE"], "skus": ["MUG"], "late": True}
    assert validate_rules(None, LANGUAGES) == {}
    with pytest.raises(RuleError, match="Unknown rule: statuss"):
        validate_rules({"statuss": ["delivered"]}, LANGUAGES)


@pytest.mark.parametrize("rules", [
    {"status": ["teleported"]}, {"substatus": ["abducted"]}, {"late": "yes"}, {"customer": "vip"},
    {"locales": ["xx"]}, {"countries": ["FRA"]}, {"days_since_delivery_min": -1},
    {"days_since_delivery_min": True}, {"days_since_delivery_min": 5, "days_since_delivery_max": 2},
    {"skus": []}, {"skus": [1, 2]}, {"skus": ["x" * 101]}, "status=delivered", ["status"],
])
def test_bad_rules_are_refused_with_a_message(rules):
    with pytest.raises(RuleError) as error:
        validate_rules(rules, LANGUAGES)
    assert str(error.value)


@pytest.mark.parametrize("kind", ["banner", "recommendations", "loyalty", "replenishment"])
@pytest.mark.parametrize("trouble", [ctx(status="exception", substatus="lost"), ctx(status="failed_attempt"),
                                     ctx(late=True), ctx(stalled=True)])
def test_no_upsell_in_trouble_whatever_the_rules(kind, trouble):
    assert matches({}, trouble)
    assert not allowed(kind, "under_status", {}, trouble)
    assert not allowed(kind, "under_status", {"status": [trouble.status], "late": True}, trouble)


def test_in_trouble_only_an_offer_aimed_at_it_shows():
    lost, late = ctx(status="exception", substatus="lost"), ctx(late=True)
    assert not allowed("discount_code", "under_status", {}, lost)
    assert allowed("discount_code", "under_status", {"status": ["exception"]}, lost)
    assert not allowed("discount_code", "under_status", {"status": ["exception"]}, late)
    assert allowed("discount_code", "under_status", {"late": True}, late)
    assert allowed("discount_code", "under_status", {}, BASE)  # no trouble: the guard is quiet


def test_review_requests_and_after_delivery_wait_for_the_delivery():
    delivered = ctx(status="delivered", days_since_delivery=1)
    assert not allowed("review_request", "under_status", {}, BASE)
    assert allowed("review_request", "under_status", {}, delivered)
    assert not allowed("banner", "after_delivery", {}, BASE)
    assert allowed("banner", "after_delivery", {}, delivered)
