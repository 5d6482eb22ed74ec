"""Which carriers a tracking number could belong to, best first, check digits included."""
import logging
from dataclasses import dataclass

import tracking_numbers

from .registry import known_carriers

log = logging.getLogger(__name__)

# tracking-numbers' courier codes to ours. S10 numbers (AA123456789US) are postal, issued by
# the country in their last two letters: only US ones are USPS's (adapters judge the rest).
COURIER_CODES = {"ups": "ups", "fedex": "fedex", "usps": "usps", "dhl": "dhl"}


def normalise(tracking_number: str) -> str:
    """Numbers compare without spaces or dashes, in upper case."""
    return "".join(ch for ch in tracking_number if ch.isalnum()).upper()


def _package_matches(number: str) -> dict[str, bool]:
    """Our carrier code -> whether the check digit held, for every format that matches."""
    found: dict[str, bool] = {}
    for definition in tracking_numbers.DEFINITIONS:
        code = COURIER_CODES.get(definition.courier.code)
        if definition.courier.code == "s10" and number.endswith("US"):
            code = "usps"
        if code is None:
            continue
        try:
            match = definition.test(number)
        except (ValueError, TypeError, IndexError):  # the package trips on some inputs
            continue
        if match is not None:
            found[code] = found.get(code, False) or bool(match.valid)
    return found


@dataclass(frozen=True)
class Candidate:
    carrier: str
    valid: bool  # the check digit (or the adapter's own test) held, not just the shape


def candidates(tracking_number: str) -> list[Candidate]:
    """Installed carriers whose formats match, those with a valid check digit first.

    Formats overlap (FedEx SmartPost uses USPS numbers, all-digit numbers are ambiguous), so
    this yields candidates, not one answer.
    """
    number = normalise(tracking_number)
    installed = known_carriers()
    valid = {code: ok for code, ok in _package_matches(number).items() if code in installed}
    for code, cls in installed.items():
        try:
            if cls.recognises(number):
                valid[code] = True
        except Exception:  # a plugin's bug must not break registration
            log.exception("carrier %s: recognises() failed", code)
    return sorted((Candidate(c, ok) for c, ok in valid.items()), key=lambda c: (not c.valid, c.carrier))


def detect(tracking_number: str) -> str | None:
    """The one carrier whose check digit holds for this number, or None when not exactly one."""
    valid = [c.carrier for c in candidates(tracking_number) if c.valid]
    return valid[0] if len(valid) == 1 else None
