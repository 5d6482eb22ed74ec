"""The one place that talks HTTP to carriers: a shared session, OAuth2 tokens, errors as outcomes."""
import logging
import threading
import time
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter

from .parsing import json_body
from .base import CarrierAdapter, HttpRequest, Outcome, TrackResult, failed

log = logging.getLogger(__name__)

# (connect, read) seconds: a carrier that hangs costs one slot, not the worker.
TIMEOUT = (3.05, 15)
# A token is renewed this many seconds before it expires, so no request carries a dying one.
TOKEN_MARGIN_SECONDS = 120
PARSE_ERRORS = (ValueError, KeyError, TypeError, IndexError, AttributeError)

_session: requests.Session | None = None
_session_lock = threading.Lock()


def session() -> requests.Session:
    """The process-wide session: connection reuse across polls and threads."""
    global _session
    with _session_lock:
        if _session is None:
            _session = requests.Session()
            adapter = HTTPAdapter(pool_connections=16, pool_maxsize=32)
            _session.mount("https://", adapter)
            _session.mount("http://", adapter)
            _session.headers["User-Agent"] = "tracking-pages/0.1 (+self-hosted)"
        return _session


class TokenError(Exception):
    def __init__(self, outcome: Outcome, detail: str, retry_after: float | None = None):
        super().__init__(detail)
        self.outcome, self.detail, self.retry_after = outcome, detail, retry_after


class TokenCache:
    """OAuth2 client-credentials tokens per carrier account, shared by all threads of a process."""

    def __init__(self):
        self._tokens: dict[tuple, tuple[str, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(adapter: CarrierAdapter) -> tuple:
        return adapter.code, adapter.base_url, adapter.settings.get("client_id")

    def get(self, adapter: CarrierAdapter) -> str:
        """A valid token, fetched when missing or about to expire; one fetch at a time."""
        with self._lock:
            token, expires_at = self._tokens.get(self.key(adapter), (None, 0.0))
            if token and time.monotonic() < expires_at - TOKEN_MARGIN_SECONDS:
                return token
            token, lifetime = fetch_token(adapter)
            self._tokens[self.key(adapter)] = (token, time.monotonic() + lifetime)
            return token

    def invalidate(self, adapter: CarrierAdapter) -> None:
        with self._lock:
            self._tokens.pop(self.key(adapter), None)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


tokens = TokenCache()


def fetch_token(adapter: CarrierAdapter) -> tuple[str, float]:
    """Ask the carrier's token endpoint; (access token, lifetime in seconds)."""
    request = adapter.token_request()
    try:
        response = _send(request, {})
    except requests.Timeout as exc:
        raise TokenError(Outcome.TIMEOUT, f"token request timed out: {exc}") from exc
    except requests.RequestException as exc:
        raise TokenError(Outcome.NETWORK_ERROR, f"token request failed: {exc}") from exc
    failure = classify(response)
    if failure is not None:
        raise TokenError(failure, f"token endpoint answered {response.status_code}",
                         retry_after(response))
    if response.status_code >= 400:
        raise TokenError(Outcome.AUTH_FAILED, f"token endpoint answered {response.status_code}")
    try:
        body = json_body(response.content)
        return str(body["access_token"]), float(body.get("expires_in") or 3600)
    except PARSE_ERRORS as exc:
        raise TokenError(Outcome.BAD_RESPONSE, f"unreadable token response: {exc}") from exc


def classify(response: requests.Response) -> Outcome | None:
    """The failure an HTTP status means on its own, or None to let the adapter read the body."""
    if response.status_code in (401, 403):
        return Outcome.AUTH_FAILED
    if response.status_code == 429:
        return Outcome.THROTTLED
    if response.status_code >= 500:
        return Outcome.SERVER_ERROR
    return None


def retry_after(response: requests.Response) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), if one was sent."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _send(request: HttpRequest, extra_headers: dict) -> requests.Response:
    return session().request(
        request.method, request.url, headers={**request.headers, **extra_headers},
        params=request.params, json=request.json, data=request.data, timeout=TIMEOUT,
    )


def execute(adapter: CarrierAdapter, request: HttpRequest) -> list[TrackResult]:
    """Send one carrier request and parse it; every failure comes back as an outcome.

    Each result carries the HTTP status and the round trip's duration, for support and metrics.
    """
    started = time.monotonic()
    results, status = _execute(adapter, request)
    duration_ms = round((time.monotonic() - started) * 1000)
    for result in results:
        result.http_status, result.duration_ms = status, duration_ms
    return results


def _execute(adapter: CarrierAdapter, request: HttpRequest) -> tuple[list[TrackResult], int | None]:
    numbers = request.numbers
    try:
        response = _authorised_send(adapter, request)
    except TokenError as exc:
        return failed(numbers, exc.outcome, exc.detail, exc.retry_after), None
    except requests.Timeout as exc:
        return failed(numbers, Outcome.TIMEOUT, str(exc)), None
    except requests.RequestException as exc:
        return failed(numbers, Outcome.NETWORK_ERROR, str(exc)), None
    status = response.status_code
    failure = classify(response)
    if failure is not None:
        detail = f"HTTP {status}: {response.text[:200]}"
        return failed(numbers, failure, detail, retry_after(response)), status
    try:
        return adapter.parse(request, status, response.content), status
    except PARSE_ERRORS as exc:
        log.warning("%s: unreadable response (%s): %r", adapter.code, type(exc).__name__, exc)
        return failed(numbers, Outcome.BAD_RESPONSE, f"{type(exc).__name__}: {exc}"), status


def _authorised_send(adapter: CarrierAdapter, request: HttpRequest) -> requests.Response:
    """Send with a bearer token when the carrier uses OAuth2; after a 401, renew it once."""
    if not adapter.uses_oauth:
        return _send(request, {})
    response = _send(request, {"Authorization": f"Bearer {tokens.get(adapter)}"})
    if response.status_code == 401:
        tokens.invalidate(adapter)
        response = _send(request, {"Authorization": f"Bearer {tokens.get(adapter)}"})
    return response
