"""Helpers every adapter's parser shares: JSON bodies, carrier timestamps, untrusted text."""
import json
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from functools import cache

from babel import Locale
from babel.core import get_global

from ..status import Status
from ..text import plain_text
from .base import CarrierEvent

_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})$")


def json_body(body: bytes):
    """Decoded JSON; ValueError when it is not JSON (or nested too deeply to decode)."""
    try:
        return json.loads(body.decode("utf-8-sig"))
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def local_time(value: str) -> tuple[datetime, int | None]:
    """Carrier ISO 8601 text as (naive wall time, UTC offset in minutes or None).

    Handles `2024-11-22T13:58:00-05:00`, `...-0500`, `...Z` (offset 0), fractional
    seconds, and no offset at all (None: never guessed as UTC).
    """
    text = value.strip()
    offset = None
    if text.endswith(("Z", "z")):
        text, offset = text[:-1], 0
    else:
        match = _OFFSET.search(text) if "T" in text or " " in text else None
        if match:
            sign = -1 if match.group(1) == "-" else 1
            offset = sign * (int(match.group(2)) * 60 + int(match.group(3)))
            text = text[: match.start()]
    local = datetime.fromisoformat(text).replace(tzinfo=None)
    # No place is more than 14 hours off UTC; years 1 and 9999 overflow once shifted to UTC.
    if (offset is not None and abs(offset) > 14 * 60) or not 1 < local.year < 9999:
        raise ValueError(f"timestamp out of range: {value!r}")
    return local, offset


def utc_instant(local: datetime, offset_minutes: int) -> datetime:
    """The aware UTC instant of a wall time with a known offset."""
    return local.replace(tzinfo=timezone(timedelta(minutes=offset_minutes))).astimezone(timezone.utc)


def offset_minutes(value: str | None) -> int | None:
    """`-05:00` and `-0500` (hours, minutes) or `-300` (minutes) as minutes; None when unreadable."""
    if not value:
        return None
    text = str(value).strip()
    match = _OFFSET.fullmatch(text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return sign * (int(match.group(2)) * 60 + int(match.group(3)))
    if re.fullmatch(r"[+-]?\d{1,4}", text) and abs(int(text)) <= 14 * 60:
        return int(text)
    return None


def text(value) -> str:
    """Carrier free text, cleaned: markup, entities, trailing spaces, control characters."""
    return plain_text(value if isinstance(value, str) else "")


def clean(value, limit: int = 100) -> str | None:
    """A short carrier field (city, postal code) cleaned, or None when empty."""
    return plain_text(value, limit) or None if isinstance(value, str) else None


def settle(events: list[CarrierEvent], current: str | None) -> list[CarrierEvent]:
    """Oldest first, with a status for scans whose code could not be read (status "").

    The newest such scan takes `current`, the carrier's shipment-level word for now; an
    older one keeps the status of the scan before it (nothing readable changed), and one
    with nothing before it is taken as information received. Never a default to in transit.
    """
    ordered = sorted(events, key=_sort_key)
    settled: list[CarrierEvent] = []
    for index, event in enumerate(ordered):
        if not event.status:
            if index == len(ordered) - 1 and current:
                status = current
            else:
                status = settled[-1].status if settled else Status.INFO_RECEIVED
            event = replace(event, status=status, substatus=None)
        settled.append(event)
    return settled


def _sort_key(event: CarrierEvent) -> datetime:
    return event.occurred_at_local - timedelta(minutes=event.utc_offset_minutes or 0)


def instant_if_known(event: CarrierEvent) -> datetime | None:
    """The UTC instant of a scan whose offset is known."""
    if event.utc_offset_minutes is None:
        return None
    return utc_instant(event.occurred_at_local, event.utc_offset_minutes)


def aware_instant(value) -> datetime | None:
    """The instant of ISO text that carries an offset; date-only or zoneless text is not guessed."""
    if not isinstance(value, str) or "T" not in value:
        return None
    local, offset = local_time(value)
    return None if offset is None else utc_instant(local, offset)


_NOT_COUNTRIES = {"EU", "EZ", "QO", "UN", "ZZ"}  # regions CLDR lists among its territories


def country(value) -> str | None:
    """A carrier's country field as ISO alpha-2: a two-letter code, or a name we know; else None.

    Never truncated: "AUT" must not become "AU".
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"[A-Za-z]{2}", text):
        return text.upper()
    return country_code(text)


def country_code(value: str) -> str | None:
    """ISO 3166 alpha-2 code from an alpha-2 or alpha-3 code or an English name; None when unknown."""
    return _country_codes().get(value.strip().upper())


@cache
def _country_codes() -> dict[str, str]:
    territories = {code: name for code, name in Locale("en").territories.items()
                   if len(code) == 2 and code not in _NOT_COUNTRIES}
    # CLDR's territory aliases hold the alpha-3 codes (AUT -> AT) and retired ones (UK -> GB).
    aliases = {alias: codes[0] for alias, codes in get_global("territory_aliases").items()
               if alias.isalpha() and len(codes) == 1 and codes[0] in territories}
    return {"UNITED STATES OF AMERICA": "US", **aliases,
            **{name.upper(): code for code, name in territories.items()},
            **{code: code for code in territories}}
