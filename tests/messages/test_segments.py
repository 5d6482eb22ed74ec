"""SMS length as phones count it: GSM-7 160/153 per segment, UCS-2 70/67."""
import pytest

from tracking.messages.segments import GSM7, UCS2, measure


@pytest.mark.parametrize("text, characters, encoding, segments", [
    ("", 0, GSM7, 0),
    ("a" * 160, 160, GSM7, 1),
    ("a" * 161, 161, GSM7, 2),
    ("a" * 306, 306, GSM7, 2),
    ("a" * 307, 307, GSM7, 3),
    ("€" * 80, 160, GSM7, 1),  # escape-table characters take two septets
    ("{" * 81, 162, GSM7, 2),
    ("é" * 160, 160, GSM7, 1),  # é is in the GSM basic alphabet
    ("ç" + "a" * 69, 70, UCS2, 1),  # ç is not: the whole text goes UCS-2
    ("ç" + "a" * 70, 71, UCS2, 2),
    ("日本" * 67, 134, UCS2, 2),
    ("日" * 135, 135, UCS2, 3),
    ("😀" * 35, 70, UCS2, 1),  # outside the BMP: two UTF-16 units each
])
def test_length_encoding_and_segments(text, characters, encoding, segments):
    length = measure(text)
    assert (length.characters, length.encoding, length.segments) == (characters, encoding, segments)


def test_room_per_segment_shrinks_once_split():
    assert measure("a" * 10).per_segment == 160
    assert measure("a" * 200).per_segment == 153
    assert measure("ж").per_segment == 70
    assert measure("ж" * 71).per_segment == 67
