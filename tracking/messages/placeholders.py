"""Placeholders in message templates: checked with string.Formatter's parser, filled by hand.

Merchant text is never evaluated: no str.format (attribute and index access, format specs),
no Jinja (server-side template injection). Only the names below, bare, are accepted.
"""
import re
from string import Formatter

from flask_babel import gettext as _, lazy_gettext as _l

PLACEHOLDERS = {
    "customer_name": _l("The customer's full name (empty when the order has none)."),
    "first_name": _l("The customer's first name (empty when unknown)."),
    "shop_name": _l("Your shop's name."),
    "order_number": _l("The order number."),
    "tracking_link": _l("The link to the tracking page. Required."),
    "carrier": _l("The carrier's name."),
    "status": _l("Where the parcel is now, in the customer's language."),
    "eta": _l("The expected delivery date, in the customer's language (empty when unknown)."),
}
REQUIRED = "tracking_link"
_SPACES = re.compile(r"[\s\x00-\x1f\x7f]+")


def _parse(text: str):
    return list(Formatter().parse(text))


def problems(text: str, required: bool = False) -> list[str]:
    """What is wrong with the placeholders in `text` (empty when nothing is), in words.

    `required`: `{tracking_link}` must appear (message bodies).
    """
    try:
        parsed = _parse(text or "")
    except ValueError:
        return [_("A brace is not closed or not opened. Write placeholders as {shop_name}; "
                  "for a brace of your own, write {{ or }}.")]
    found, out = set(), []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        shown = "{" + name + ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}"
        if name == "" or name.isdigit():
            out.append(_("%(field)s is not a placeholder: write a name from the list between the "
                         "braces, such as {shop_name}.", field=shown))
        elif not name.isidentifier():
            out.append(_("%(field)s is not allowed: placeholders are plain names, without dots, "
                         "brackets or spaces.", field=shown))
        elif name not in PLACEHOLDERS:
            out.append(_("%(field)s is not a placeholder. Use one of: %(names)s.", field=shown,
                         names=", ".join("{" + known + "}" for known in PLACEHOLDERS)))
        elif conversion is not None or spec:
            out.append(_("%(field)s is not allowed: placeholders take no formatting after ! or :. "
                         "Write {%(name)s}.", field=shown, name=name))
        else:
            found.add(name)
    if required and REQUIRED not in found and not out:
        out.append(_("Include {tracking_link}: it is the link to the tracking page, which "
                     "this message is for."))
    return list(dict.fromkeys(out))


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each placeholder replaced by its value; call only on text `problems` accepts."""
    out = []
    for literal, name, _spec, _conversion in _parse(text):
        out.append(literal)
        if name is not None:
            out.append(values[name])
    return "".join(out)


def one_line(value) -> str:
    """A value as a single line: control characters and runs of spaces become one space."""
    return _SPACES.sub(" ", str(value or "")).strip()
