"""Fuzzing each carrier's `parse` with mutated real payloads and random bytes.

The property is the transport's contract: for a response `classify` lets through, `parse`
returns one valid TrackResult per requested number, or raises one of PARSE_ERRORS (which the
transport turns into BAD_RESPONSE). Anything else (OverflowError, RecursionError, an event with
a status outside the taxonomy, an aware local time, an offset beyond 14 hours) is a bug.
"""
import copy
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from tracking.carriers.base import CarrierEvent, HttpRequest, Location, Outcome, TrackResult, failed
from tracking.carriers.dhl import DHL
from tracking.carriers.fedex import FedEx
from tracking.carriers.http import PARSE_ERRORS
from tracking.carriers.ups import UPS
from tracking.carriers.usps import USPS
from tracking.status import STATUSES, SUBSTATUSES

# On a failure Hypothesis loads libcst for its report, which imports a deprecated mypy_extensions
# API; with `filterwarnings = error` that warning would replace the report with an INTERNALERROR.
pytestmark = pytest.mark.filterwarnings(
    "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ADAPTERS = {"ups": UPS, "fedex": FedEx, "usps": USPS, "dhl": DHL}
SETTINGS = {"client_id": "fuzz-id", "client_secret": "fuzz-secret", "api_key": "fuzz-key"}
MAX_OFFSET = 14 * 60
# Statuses `classify` hands to `parse` (401/403/429/5xx never reach it).
PARSED_STATUSES = st.sampled_from([200, 200, 200, 200, 201, 204, 400, 404, 404, 410, 422])
FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _load(carrier: str) -> list[tuple[str, object]]:
    return [(path.name, json.loads(path.read_text(encoding="utf-8")))
            for path in sorted((FIXTURES / carrier).glob("*.json"))]


DOCUMENTS = {carrier: _load(carrier) for carrier in ADAPTERS}
NUMBER_KEYS = {"inquiryNumber", "trackingNumber", "id"}


def _walk(doc, path=()):
    """Every (path, value) of a JSON document, the root first."""
    yield path, doc
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _walk(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from _walk(value, (*path, index))


def _numbers(doc) -> list[str]:
    found = [str(v) for p, v in _walk(doc) if p and p[-1] in NUMBER_KEYS
             and isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip()]
    return list(dict.fromkeys(found)) or ["1Z999AA10123456784"]


KEYS = sorted({p[-1] for docs in DOCUMENTS.values() for _, doc in docs
               for p, _ in _walk(doc) if p and isinstance(p[-1], str)})

# -- strategies ---------------------------------------------------------------------------------
GARBAGE_TEXT = st.sampled_from([
    "", " ", "   \t\n", "null", "None", "NaN", "-0", "1e309", "0x1F", "9" * 300,
    "<b>bold</b>", "<script>alert('x')</script>", "<SUP>&#153;</SUP>", "&amp;&lt;&#x1F4E6;&bogus;",
    "<!-- c -->", "<a href='javascript:alert(1)'>x</a>", "\u202eRTL", "\u0000", "\ufeffBOM",
    "\ud800", "\udfff", "😀📦", "Ünïcødé Straße", "東京都", "مرحبا", "\x1b[31mred", "a" * 5000,
    "DELIVERED", "delivered", "Return to sender", "out for delivery", "D", "X", "MV", "I",
    "011", "003", "DL", "OD", "01", "GX", "transit", "failure", "unknown", "pre-transit",
]) | st.text(max_size=30)
# Dates at the edges of what datetime holds, and offsets no place on earth has.
EXTREME_ISO = (
    "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59",
    "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00", "0001-01-01T00:00:00Z",
    "2024-05-03T11:42:00+25:00", "2024-05-03T11:42:00-99:99",
)
EXTREME_COMPACT = ("99991231", "00010101")
EXTREME_DATES = st.sampled_from(EXTREME_ISO + EXTREME_COMPACT) | st.tuples(
    st.sampled_from(["9999-12-31T23:", "0001-01-01T00:", "2024-11-22T13:"]),
    st.sampled_from(["59:59", "00:00", "30:00.999999"]),
    st.sampled_from(["", "Z", "+14:00", "-14:00", "+13:45", "+24:00", "-99:99", "+0530", "-1200"]),
).map("".join)
GARBAGE_DATES = EXTREME_DATES | st.sampled_from([
    "", "T", "Z", "z", "2024", "2024-13-45T99:99:99", "2024-02-30T10:00:00", "2024-11-22T24:00:00",
    "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59", "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00", "0001-01-01T00:00:00",
    "2024-11-22T13:58:00+25:00", "2024-11-22T13:58:00-99:99", "2024-11-22T13:58:00+0000",
    "2024-11-22T13:58:00.123456789Z", "2024-11-22 13:58", "2024-11-22TZ", "2024-11-22T13:58:00ZZ",
    "20241301", "99991231", "00010101", "00000000", "20240229", "20230229", "246060", "235960",
    "000000", "9:13", "91300", "-1", "1e10", "yesterday", "12:00 PM EST", "-05:00", "+14:01",
    "-7:00", "-300", "-0500", "MST", "+99:99", "2024-11-22T13:58:00-05:00[America/New_York]",
]) | st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
    lambda d: d.isoformat()) | st.text(alphabet="0123456789-:TZ+. ", max_size=30)
SCALARS = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
           | st.floats() | GARBAGE_TEXT | GARBAGE_DATES)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
OPERATIONS = ("drop", "replace", "text", "date", "date", "date", "all_dates", "truncate", "wrap",
              "duplicate", "empty", "add_key")
_DATE_LIKE = re.compile(r"\d{4}-?\d\d-?\d\d|^\d{5,6}$|^\d{1,2}:\d\d|^[+-]\d")
_ISO_DAY, _COMPACT_DAY = re.compile(r"\d{4}-\d\d-\d\d"), re.compile(r"\d{8}")


def _get(doc, path):
    for key in path:
        doc = doc[key]
    return doc


def _set(doc, path, value):
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def with_dates(doc, iso: str, compact: str):
    """A copy with every ISO date set to `iso` and every YYYYMMDD day (UPS) set to `compact`."""
    if isinstance(doc, dict):
        return {k: with_dates(v, iso, compact) for k, v in doc.items()}
    if isinstance(doc, list):
        return [with_dates(v, iso, compact) for v in doc]
    if isinstance(doc, str) and _ISO_DAY.match(doc):
        return iso
    if isinstance(doc, str) and _COMPACT_DAY.fullmatch(doc):
        return compact
    return doc


@st.composite
def mutated(draw, documents):
    """A fixture with a few random mutations: keys dropped, values retyped, garbage inserted."""
    name, original = draw(st.sampled_from(documents))
    doc = copy.deepcopy(original)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        op = draw(st.sampled_from(OPERATIONS))
        nodes = list(_walk(doc))
        if op == "date":
            dates = [(p, v) for p, v in nodes if isinstance(v, str) and _DATE_LIKE.search(v)]
            nodes = dates or nodes
        path, value = draw(st.sampled_from(nodes))
        if op == "all_dates":
            doc = with_dates(doc, draw(EXTREME_DATES), draw(st.sampled_from(EXTREME_COMPACT)))
        elif op == "drop" and path:
            del _get(doc, path[:-1])[path[-1]]
        elif op == "replace":
            doc = _set(doc, path, draw(JSON_VALUES))
        elif op == "text":
            doc = _set(doc, path, draw(GARBAGE_TEXT))
        elif op == "date":
            doc = _set(doc, path, draw(GARBAGE_DATES))
        elif op == "truncate" and isinstance(value, (list, str)):
            doc = _set(doc, path, value[:draw(st.integers(min_value=0, max_value=max(0, len(value) - 1)))])
        elif op == "wrap":
            doc = _set(doc, path, draw(st.sampled_from([[value], {"value": value}])))
        elif op == "duplicate" and isinstance(value, list) and value:
            doc = _set(doc, path, value + [copy.deepcopy(draw(st.sampled_from(value)))])
        elif op == "empty":
            doc = _set(doc, path, type(value)() if isinstance(value, (dict, list, str)) else None)
        elif op == "add_key" and isinstance(value, dict):
            value[draw(st.sampled_from(KEYS))] = draw(JSON_VALUES)
    return name, doc


def _encode(doc, ascii_only: bool) -> bytes:
    return json.dumps(doc, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


# -- the property ---------------------------------------------------------------------------------
def parse_step(adapter, request: HttpRequest, status: int, body: bytes) -> list[TrackResult]:
    """What `carriers.http.execute` does once `classify` let a response through, without HTTP."""
    try:
        return adapter.parse(request, status, body)
    except PARSE_ERRORS as exc:
        return failed(request.numbers, Outcome.BAD_RESPONSE, f"{type(exc).__name__}: {exc}")


def _optional_text(value) -> bool:
    return value is None or isinstance(value, str)


def check_event(event) -> None:
    assert isinstance(event, CarrierEvent), event
    assert event.status in STATUSES, event
    assert event.substatus is None or event.substatus in SUBSTATUSES, event
    assert isinstance(event.occurred_at_local, datetime), event
    assert event.occurred_at_local.tzinfo is None, event
    offset = event.utc_offset_minutes
    assert offset is None or (type(offset) is int and -MAX_OFFSET <= offset <= MAX_OFFSET), event
    assert isinstance(event.description, str), event
    assert _optional_text(event.carrier_status_code), event
    location = event.location
    assert isinstance(location, Location), event
    assert all(_optional_text(v) for v in (location.city, location.region, location.postal_code)), event
    assert location.country is None or re.fullmatch(r"[A-Z]{2}", location.country), event


def check_results(request: HttpRequest, results) -> None:
    assert isinstance(results, list), results
    assert sorted(r.tracking_number for r in results) == sorted(request.numbers), results
    for result in results:
        assert isinstance(result, TrackResult), result
        assert isinstance(result.outcome, Outcome), result
        for event in result.events:
            check_event(event)
        for instant in (result.estimated_delivery_earliest, result.estimated_delivery_latest,
                        result.delivered_at):
            assert instant is None or (isinstance(instant, datetime) and instant.tzinfo), result
        assert _optional_text(result.signed_by) and _optional_text(result.service), result
        assert result.retry_after is None or result.retry_after >= 0, result
        if result.outcome == Outcome.OK:
            assert isinstance(result.raw, dict), result
        else:
            assert result.events == [], result


def _request(adapter, numbers: list[str]) -> HttpRequest:
    [request] = adapter.build_requests(numbers)
    return request


@st.composite
def requested_numbers(draw, carrier: str, doc) -> list[str]:
    """Numbers the payload answers for (sometimes one it does not), up to the batch size."""
    pool = _numbers(doc) + ["0000000000"]
    size = ADAPTERS[carrier].batch_size
    if size == 1:
        return [draw(st.sampled_from(pool))]
    return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=min(size, 3), unique=True))


@pytest.mark.parametrize("carrier", list(ADAPTERS))
@FUZZ
@given(data=st.data())
def test_mutated_payloads_parse_or_fail_cleanly(carrier, data):
    adapter = ADAPTERS[carrier](dict(SETTINGS))
    name, doc = data.draw(mutated(DOCUMENTS[carrier]), label="fixture")
    # Numbers come from our database (letters and digits), so from the unmutated fixture.
    numbers = data.draw(requested_numbers(carrier, dict(DOCUMENTS[carrier])[name]), label="numbers")
    status = data.draw(PARSED_STATUSES, label="status")
    body = _encode(doc, data.draw(st.booleans(), label="ascii"))
    request = _request(adapter, numbers)
    check_results(request, parse_step(adapter, request, status, body))


@pytest.mark.parametrize("carrier", list(ADAPTERS))
@settings(FUZZ, max_examples=100)
@given(body=st.binary(max_size=300) | st.text(max_size=100).map(str.encode),
       status=PARSED_STATUSES)
@example(body=b"[" * 100_000, status=200)
@example(body=b'{"a":' * 100_000, status=404)
@example(body=b"\xef\xbb\xbf{}", status=200)
@example(body=b"<html><body>502 Bad Gateway</body></html>", status=404)
@example(body=b"", status=204)
@example(body=b"null", status=200)
@example(body=b"[]", status=400)
def test_random_bytes_parse_or_fail_cleanly(carrier, body, status):
    adapter = ADAPTERS[carrier](dict(SETTINGS))
    request = _request(adapter, [_numbers(DOCUMENTS[carrier][0][1])[0]])
    check_results(request, parse_step(adapter, request, status, body))


@pytest.mark.parametrize("carrier", list(ADAPTERS))
def test_every_fixture_passes_the_property_unmutated(carrier):
    """The property holds for the real payloads themselves, with every number they answer for."""
    adapter = ADAPTERS[carrier](dict(SETTINGS))
    for _name, doc in DOCUMENTS[carrier]:
        for number in _numbers(doc):
            for status in (200, 404):
                request = _request(adapter, [number])
                check_results(request, parse_step(adapter, request, status, _encode(doc, True)))


@pytest.mark.parametrize("carrier", list(ADAPTERS))
@pytest.mark.parametrize("iso", EXTREME_ISO)
def test_every_date_at_the_edge_of_time(carrier, iso):
    """Each fixture with all its dates at year 1 or 9999 (or an impossible offset)."""
    adapter = ADAPTERS[carrier](dict(SETTINGS))
    for compact in EXTREME_COMPACT:
        for _name, doc in DOCUMENTS[carrier]:
            body = _encode(with_dates(doc, iso, compact), True)
            for number in _numbers(doc):
                request = _request(adapter, [number])
                check_results(request, parse_step(adapter, request, 200, body))
