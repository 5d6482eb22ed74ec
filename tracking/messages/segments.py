"""How long an SMS is as phones count it: GSM-7 septets or UCS-2 code units, and segments."""
import math
from dataclasses import dataclass

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

GSM7 = "GSM-7"
UCS2 = "UCS-2"
# Characters in one SMS alone, and per part of a longer one (the rest carries the join header).
SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class SmsLength:
    characters: int  # septets (GSM-7, where € [ ] { } ~ ^ | \ count twice) or UTF-16 units (UCS-2)
    encoding: str  # GSM7 or UCS2
    segments: int  # messages the network sends and the shop pays for; 0 for an empty text
    per_segment: int  # room in each segment at this length


def encoding_of(text: str) -> tuple[str, int]:
    """The encoding a phone network uses for `text`, and its length in that encoding's units."""
    try:
        return GSM7, len(text.encode("gsm03.38"))
    except UnicodeEncodeError:  # one character outside the GSM alphabet makes the whole text UCS-2
        return UCS2, len(text.encode("utf-16-le")) // 2


def measure(text: str) -> SmsLength:
    """The length, encoding and segment count of `text` sent as one SMS."""
    encoding, units = encoding_of(text)
    if units <= SINGLE[encoding]:
        return SmsLength(units, encoding, 1 if units else 0, SINGLE[encoding])
    return SmsLength(units, encoding, math.ceil(units / PART[encoding]), PART[encoding])
