"""What a merchant's template must be: the link, a bounded SMS, a single-line email subject."""
import pytest

from tracking.messages.rules import EMAIL_BODY_MAX, MAX_SMS_SEGMENTS, SUBJECT_MAX, sizing_values, template_problems
from tracking.messages.segments import measure
from tracking.messages.placeholders import fill


@pytest.fixture(autouse=True)
def context(app):
    with app.test_request_context():
        yield


def check(merchant, channel, body, subject=None):
    return template_problems(channel, subject, body, merchant)


def test_valid_templates_pass(merchant):
    assert check(merchant, "sms", "{shop_name}: {tracking_link}") == {}
    assert check(merchant, "email", "See {tracking_link}", "Order {order_number}") == {}


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_link_is_required_in_both_channels(merchant, channel):
    found = check(merchant, channel, "Your parcel from {shop_name}", "Subject")
    assert "{tracking_link}" in found["body"][0]


@pytest.mark.parametrize("body", ["", "   \n "])
def test_empty_body_is_refused(merchant, body):
    assert "empty" in check(merchant, "sms", body)["body"][0]


def test_control_characters_are_refused_line_breaks_are_not(merchant):
    assert check(merchant, "sms", "a\x07 {tracking_link}")["body"]
    assert check(merchant, "email", "a\r\nb\n{tracking_link}", "S") == {}


def test_sms_cap_counts_long_values_not_just_the_template(merchant):
    room = MAX_SMS_SEGMENTS * 153
    filler_len = room - len(fill("{tracking_link}", sizing_values(merchant))) - 1
    fits = "a" * filler_len + " {tracking_link}"
    assert check(merchant, "sms", fits) == {}
    too_long = "{customer_name} " + fits  # the template grows by 16, a long name by 41
    (problem,) = check(merchant, "sms", too_long)["body"]
    assert f"{MAX_SMS_SEGMENTS + 1} segments" in problem and "GSM-7" in problem


def test_one_non_gsm_character_makes_the_same_text_too_long(merchant):
    body = "a" * 400 + " {tracking_link}"
    assert check(merchant, "sms", body) == {}
    body = "ç" + body[1:]
    assert measure(fill(body, sizing_values(merchant))).segments > MAX_SMS_SEGMENTS
    assert "UCS-2" in check(merchant, "sms", body)["body"][0]


@pytest.mark.parametrize("subject, words", [
    ("", "Write a subject"),
    (None, "Write a subject"),
    ("Line one\nBcc: victim@example.com", "one line"),
    ("Line one\rtwo", "one line"),
    ("x" * (SUBJECT_MAX + 1), f"within {SUBJECT_MAX}"),
    ("{order.number}", "without dots"),
])
def test_email_subject_rules(merchant, subject, words):
    found = check(merchant, "email", "{tracking_link}", subject)
    assert words in found["subject"][0]
    assert "body" not in found


def test_email_body_is_capped(merchant):
    found = check(merchant, "email", "x" * EMAIL_BODY_MAX + "{tracking_link}", "S")
    assert f"within {EMAIL_BODY_MAX}" in found["body"][0]


def test_sms_ignores_a_subject(merchant):
    assert check(merchant, "sms", "{tracking_link}", "\n") == {}
