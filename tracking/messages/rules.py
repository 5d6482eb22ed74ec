"""What a merchant's template must be: its placeholders, the link, SMS segments, a one-line subject."""
import re
from types import SimpleNamespace

from flask_babel import gettext as _

from ..shipments import tracking_url
from .placeholders import PLACEHOLDERS, fill, problems
from .segments import measure

MAX_SMS_SEGMENTS = 5
SUBJECT_MAX = 150  # characters of the template; the column holds 200
EMAIL_BODY_MAX = 5000
# Room kept for each value when checking an SMS's length: long names and dates still fit.
SIZING = {"customer_name": 40, "first_name": 20, "order_number": 20, "carrier": 20,
          "status": 40, "eta": 40}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # tab and line feed are fine in a body


def sizing_values(merchant) -> dict[str, str]:
    """Values of a generous length for every placeholder, to bound a message's real length."""
    values = {name: "x" * SIZING.get(name, 0) for name in PLACEHOLDERS}
    values["shop_name"] = merchant.name
    values["tracking_link"] = tracking_url(SimpleNamespace(public_token="x" * 22))
    return values


def template_problems(channel: str, subject: str | None, body: str, merchant) -> dict[str, list[str]]:
    """Field name ("subject", "body") -> what is wrong with it, in words; empty when valid."""
    errors = {"subject": [], "body": []}
    body = body or ""
    if not body.strip():
        errors["body"].append(_("Write the message: it cannot be empty."))
    elif _CONTROL.search(body.replace("\r\n", "\n")):
        errors["body"].append(_("Remove the invisible control characters from this text."))
    else:
        errors["body"].extend(problems(body, required=True))
    if channel == "email":
        _check_subject(subject or "", errors["subject"])
        if len(body) > EMAIL_BODY_MAX:
            errors["body"].append(_("Keep the message within %(num)d characters (it has %(count)d).",
                                    num=EMAIL_BODY_MAX, count=len(body)))
    elif not errors["body"]:
        longest = measure(fill(body, sizing_values(merchant)))
        if longest.segments > MAX_SMS_SEGMENTS:
            errors["body"].append(_(
                "Too long for an SMS: with long names and dates filled in it can take %(count)d "
                "segments (%(encoding)s); keep it within %(max)d.",
                count=longest.segments, encoding=longest.encoding, max=MAX_SMS_SEGMENTS))
    return {field: found for field, found in errors.items() if found}


def _check_subject(subject: str, errors: list) -> None:
    if not subject.strip():
        errors.append(_("Write a subject: email without one is often taken for spam."))
    elif "\n" in subject or "\r" in subject:
        errors.append(_("Keep the subject on one line."))
    elif _CONTROL.search(subject) or "\t" in subject:
        errors.append(_("Remove the invisible control characters from this text."))
    elif len(subject) > SUBJECT_MAX:
        errors.append(_("Keep the subject within %(num)d characters (it has %(count)d).",
                        num=SUBJECT_MAX, count=len(subject)))
    else:
        errors.extend(problems(subject))
