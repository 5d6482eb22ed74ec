"""Cleaning untrusted text (carrier descriptions, merchant fields) into plain, bounded strings."""
import html
import re

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value: str | None, limit: int = 500) -> str:
    """Strip markup and entities, collapse whitespace, drop control characters, cap the length.

    The result is still untrusted: templates escape it like any other text.
    """
    if not value:
        return ""
    text = html.unescape(_TAG.sub(" ", value))
    text = _CONTROL.sub("", _SPACE.sub(" ", text)).strip()
    return text[:limit]
