"""Sending one webhook: check the URL, sign, POST to the vetted address, read a short answer."""
import time
from dataclasses import dataclass

import requests
from flask import current_app

from ..models.types import utcnow
from . import ssrf
from .signing import signature_headers

USER_AGENT = "tracking-pages-webhooks/1"
EXCERPT_BYTES = 2048  # of the receiver's answer kept for the log
EXCERPT_CHARS = 1000
ERROR_CHARS = 1000


@dataclass(frozen=True)
class Outcome:
    """What one try came to: a status code, or an error when there was no (acceptable) answer."""

    status_code: int | None = None
    error: str | None = None
    excerpt: str | None = None
    duration_ms: int | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def send(url: str, message_id: str, body: str, secrets: list[str]) -> Outcome:
    """POST the signed message to `url`, pinned to the address the SSRF check vetted."""
    cfg = current_app.config
    try:
        target = ssrf.check_url(url, allow_http=cfg["OUTBOUND_WEBHOOKS_ALLOW_HTTP"],
                                allow_private=cfg["OUTBOUND_WEBHOOKS_ALLOW_PRIVATE"])
    except ssrf.RefusedURL as exc:
        return Outcome(error=f"refused: {exc}")
    headers = {"content-type": "application/json", "user-agent": USER_AGENT,
               **signature_headers(message_id, body, secrets, utcnow())}
    timeout = cfg["OUTBOUND_WEBHOOKS_TIMEOUT_SECONDS"]
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: it would resolve the host itself
    adapter = ssrf.PinnedAdapter(target.addresses[0], max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    started = time.monotonic()
    try:
        with session.post(url, data=body.encode(), headers=headers, stream=True,
                          timeout=(timeout, timeout), allow_redirects=False,
                          verify=cfg["OUTBOUND_WEBHOOKS_CA_BUNDLE"] or True) as response:
            excerpt = _excerpt(response)
            code = response.status_code
    except requests.Timeout:
        return Outcome(error=f"timed out after {timeout} s", duration_ms=_since(started))
    except requests.exceptions.SSLError as exc:
        return Outcome(error=_short(f"TLS error: {exc}"), duration_ms=_since(started))
    except requests.ConnectionError as exc:
        return Outcome(error=_short(f"connection failed: {exc}"), duration_ms=_since(started))
    except requests.RequestException as exc:
        return Outcome(error=_short(f"{type(exc).__name__}: {exc}"), duration_ms=_since(started))
    finally:
        session.close()
    error = None
    if 300 <= code < 400:
        error = _short(f"HTTP {code}: redirect to {response.headers.get('location')!r} not followed")
    elif not 200 <= code < 300:
        error = f"HTTP {code}"
    return Outcome(code, error, excerpt, _since(started))


def _excerpt(response: requests.Response) -> str | None:
    """The start of the answer as text, read no further, so a huge or endless body costs nothing."""
    try:
        raw = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
    except Exception:  # a body that breaks off still leaves the status code to judge by
        return None
    text = raw.decode("utf-8", errors="replace").replace("\x00", "")
    return text[:EXCERPT_CHARS] or None


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _short(text: str) -> str:
    return text.replace("\x00", "")[:ERROR_CHARS]
