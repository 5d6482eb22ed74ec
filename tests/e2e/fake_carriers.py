"""A local stand-in for UPS, FedEx, USPS and DHL: their token and tracking endpoints, real-shaped.

One `ThreadingHTTPServer` on 127.0.0.1 answers on each carrier's own paths, so every adapter can
point its `base_url` at it. It checks credentials the way the carriers do (UPS Basic auth, FedEx
and USPS form fields, DHL's API key header), issues a token per carrier, refuses a tracking call
without it (401), and records every request for the test to inspect. Tracking payloads come from
`tests/fixtures/<carrier>/`, renumbered so they answer for the number the test registered;
a number nobody registered gets that carrier's "not found" answer.
"""
import base64
import copy
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

TOKEN_PATHS = {
    "/security/v1/oauth/token": "ups",
    "/oauth/token": "fedex",
    "/oauth2/v3/token": "usps",
}
UPS_TRACK = "/api/track/v1/details/"
FEDEX_TRACK = "/track/v1/trackingnumbers"
USPS_TRACK = "/tracking/v3/tracking/"
DHL_TRACK = "/track/shipments"


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    carrier: str
    kind: str  # "token" or "track"
    method: str
    path: str
    query: dict  # name -> first value
    headers: dict  # lower-cased names
    body: bytes

    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def json(self):
        return json.loads(self.body)


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)


def load_fixture(carrier: str, name: str):
    return json.loads((FIXTURES / carrier / name).read_text(encoding="utf-8"))


def renumber(value, old: str, new: str):
    """A copy of a JSON document with every value equal to `old` (as text) replaced by `new`."""
    if isinstance(value, dict):
        return {k: renumber(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [renumber(v, old, new) for v in value]
    if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) == old:
        return new
    return value


def fixture_number(carrier: str, payload) -> str:
    """The tracking number a fixture answers for (its first one)."""
    if carrier == "ups":
        return payload["trackResponse"]["shipment"][0]["inquiryNumber"]
    if carrier == "fedex":
        return payload["output"]["completeTrackResults"][0]["trackingNumber"]
    if carrier == "usps":
        return (payload[0] if isinstance(payload, list) else payload)["trackingNumber"]
    if carrier == "dhl":
        shipments = payload.get("shipments") or payload["trackingResponse"]["shipments"]
        return str(shipments[0]["id"])
    raise ValueError(carrier)


class FakeCarriers:
    """The four carriers on one local port; use as a context manager, or start() and stop()."""

    def __init__(self, credentials: dict):
        self.credentials = credentials
        self.tokens = {code: f"{code}-token-{secrets.token_hex(8)}" for code in ("ups", "fedex", "usps")}
        self.seen: list[Seen] = []
        self._replies: dict[tuple[str, str], Reply] = {}  # (carrier, number) -> canned answer
        self._fedex: dict[str, dict] = {}  # number -> its completeTrackResults entry
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> "FakeCarriers":
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-carriers",
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    def __enter__(self) -> "FakeCarriers":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- what to answer ---------------------------------------------------------------------
    def track(self, carrier: str, number: str, fixture: str):
        """Answer for `number` with a fixture renumbered to it; returns the payload served."""
        payload = load_fixture(carrier, fixture)
        if carrier == "usps" and isinstance(payload, list):  # the spec sample lists two objects
            payload = payload[0]
        payload = renumber(payload, fixture_number(carrier, payload), number)
        if carrier == "fedex":
            with self._lock:
                self._fedex[number] = payload["output"]["completeTrackResults"][0]
        else:
            self.reply(carrier, number, 200, payload)
        return payload

    def reply(self, carrier: str, number: str, status: int, body, headers: dict | None = None):
        """Answer any tracking call about `number` with this status, body and headers."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        with self._lock:
            self._replies[(carrier, number)] = Reply(status, raw, dict(headers or {}))

    def reset(self) -> None:
        """Forget the requests seen so far (canned answers stay)."""
        with self._lock:
            self.seen.clear()

    def requests(self, carrier: str, kind: str | None = None) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.carrier == carrier and kind in (None, s.kind)]

    # -- answering --------------------------------------------------------------------------
    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def _canned(self, carrier: str, number: str) -> Reply | None:
        with self._lock:
            return self._replies.get((carrier, number))

    def answer_token(self, carrier: str, seen: Seen) -> Reply:
        wanted = self.credentials.get(carrier) or {}
        if carrier == "ups":
            basic = seen.headers.get("authorization", "")
            expected = base64.b64encode(
                f"{wanted.get('client_id')}:{wanted.get('client_secret')}".encode()).decode()
            ok = basic == f"Basic {expected}" and seen.form().get("grant_type") == "client_credentials"
            body = {"token_type": "Bearer", "issued_at": "1700000000000",
                    "client_id": wanted.get("client_id"), "access_token": self.tokens["ups"],
                    "expires_in": "14399", "status": "approved"}
        else:
            form = seen.form()
            ok = (form.get("grant_type") == "client_credentials"
                  and form.get("client_id") == wanted.get("client_id")
                  and form.get("client_secret") == wanted.get("client_secret"))
            body = {"access_token": self.tokens[carrier], "token_type": "bearer",
                    "expires_in": 3599 if carrier == "fedex" else 28799,
                    "scope": "CXS" if carrier == "fedex" else form.get("scope", "")}
        if not ok:
            return _json(401, {"error": "invalid_client", "error_description": "Bad credentials"})
        return _json(200, body)

    def answer_track(self, carrier: str, seen: Seen, number: str | None) -> Reply:
        if carrier == "dhl":
            if seen.headers.get("dhl-api-key") != (self.credentials.get("dhl") or {}).get("api_key"):
                return _json(401, {"title": "Unauthorized", "status": 401,
                                   "detail": "Invalid API key."}, "application/problem+json")
        elif seen.headers.get("authorization") != f"Bearer {self.tokens[carrier]}":
            return _json(401, {"error": "invalid_token"})
        if carrier == "fedex":
            return self._answer_fedex(seen)
        canned = self._canned(carrier, number or "")
        if canned is not None:
            return canned
        if carrier == "ups":  # UPS answers 200 with a TW0001 warning
            return _json(200, renumber(load_fixture("ups", "not-found.json"),
                                       "1Z99AA990143219872", number))
        if carrier == "usps":
            body = load_fixture("usps", "not-found.json")
            body["error"]["message"] = f"The tracking number {number} could not be found."
            return _json(404, body)
        return _json(404, load_fixture("dhl", "not-found.json"), "application/problem+json")

    def _answer_fedex(self, seen: Seen) -> Reply:
        try:
            numbers = [i["trackingNumberInfo"]["trackingNumber"] for i in seen.json()["trackingInfo"]]
        except (ValueError, KeyError, TypeError):
            return _json(400, {"errors": [{"code": "INVALID.INPUT.EXCEPTION",
                                           "message": "Invalid field value in the input"}]})
        results = []
        for number in numbers:
            canned = self._canned("fedex", number)
            if canned is not None:  # a canned failure answers for the whole batch
                return canned
            with self._lock:
                entry = self._fedex.get(number)
            results.append(copy.deepcopy(entry) if entry else {
                "trackingNumber": number,
                "trackResults": [{
                    "trackingNumberInfo": {"trackingNumber": number, "trackingNumberUniqueId": "",
                                           "carrierCode": ""},
                    "error": {"code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
                              "message": "Tracking number cannot be found. Please correct the "
                                         "tracking number and try again."},
                }],
            })
        return _json(200, {"transactionId": secrets.token_hex(8),
                           "output": {"completeTrackResults": results}})


def _json(status: int, body, content_type: str = "application/json") -> Reply:
    return Reply(status, json.dumps(body).encode(), {"Content-Type": content_type})


class _Handler(BaseHTTPRequestHandler):
    fake: FakeCarriers
    server_version = "FakeCarriers/1.0"

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def _handle(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        carrier, kind, number = _route(self.command, url.path, query)
        if carrier is None:
            self._send(_json(404, {"error": f"no route {self.command} {url.path}"}))
            return
        seen = Seen(carrier, kind, self.command, url.path, query, headers, body)
        self.fake._record(seen)
        if kind == "token":
            self._send(self.fake.answer_token(carrier, seen))
        else:
            self._send(self.fake.answer_track(carrier, seen, number))

    def _send(self, reply: Reply):
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if not any(name.lower() == "content-type" for name in reply.headers):
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


def _route(method: str, path: str, query: dict) -> tuple[str | None, str, str | None]:
    """(carrier, "token"|"track", number) for a request, or (None, "", None)."""
    if method == "POST" and path in TOKEN_PATHS:
        return TOKEN_PATHS[path], "token", None
    if method == "GET" and path.startswith(UPS_TRACK):
        return "ups", "track", unquote(path[len(UPS_TRACK):])
    if method == "POST" and path == FEDEX_TRACK:
        return "fedex", "track", None
    if method == "GET" and path.startswith(USPS_TRACK):
        return "usps", "track", unquote(path[len(USPS_TRACK):])
    if method == "GET" and path == DHL_TRACK:
        return "dhl", "track", query.get("trackingNumber")
    return None, "", None
