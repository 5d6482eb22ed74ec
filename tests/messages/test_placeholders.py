"""Template placeholders: hostile text is refused with a clear reason and never evaluated."""
import pytest

from tracking.messages.placeholders import PLACEHOLDERS, fill, one_line, problems


@pytest.fixture(autouse=True)
def context(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("text, words", [
    ("{order.__class__} {tracking_link}", "without dots"),
    ("{order[0]} {tracking_link}", "without dots"),
    ("{0} {tracking_link}", "is not a placeholder"),
    ("{} {tracking_link}", "is not a placeholder"),
    ("{x!r} {tracking_link}", "is not a placeholder"),
    ("{eta!r} {tracking_link}", "no formatting"),
    ("{eta:>99999} {tracking_link}", "no formatting"),
    ("{eta:{eta}} {tracking_link}", "no formatting"),
    ("{secret_key} {tracking_link}", "is not a placeholder"),
    ("{tracking_link} {", "not closed"),
    ("{tracking_link} }", "not closed"),
    ("Hello {shop_name}", "Include {tracking_link}"),
])
def test_hostile_or_broken_templates_are_refused_with_a_reason(text, words):
    found = problems(text, required=True)
    assert found and any(words in problem for problem in found), found


def test_the_refusal_names_the_field_as_typed_and_lists_the_real_names():
    (problem,) = problems("{customer_email} {tracking_link}", required=True)
    assert "{customer_email}" in problem
    assert all("{" + name + "}" in problem for name in PLACEHOLDERS)


def test_every_placeholder_is_accepted_and_doubled_braces_are_literal():
    text = " ".join("{" + name + "}" for name in PLACEHOLDERS) + " {{literal}}"
    assert problems(text, required=True) == []
    values = {name: name.upper() for name in PLACEHOLDERS}
    assert fill(text, values) == " ".join(n.upper() for n in PLACEHOLDERS) + " {literal}"


def test_link_is_optional_where_not_required():
    assert problems("Your {shop_name} order") == []


def test_values_are_inserted_verbatim_never_formatted_again():
    values = dict.fromkeys(PLACEHOLDERS, "")
    values["customer_name"] = "{tracking_link.__class__} %(x)s {0}"
    assert fill("Hi {customer_name}!", values) == "Hi {tracking_link.__class__} %(x)s {0}!"


def test_one_line_flattens_line_breaks_and_controls():
    assert one_line("Ada\r\nBcc: x@y.z\t\x00 Lovelace ") == "Ada Bcc: x@y.z Lovelace"
    assert one_line(None) == ""
