#!/usr/bin/env python3
"""A local FedEx stand-in for load tests: real-shaped answers after a fixed delay.

A `ThreadingHTTPServer` on 127.0.0.1 (HTTP/1.1, keep-alive) with FedEx's two endpoints:

- `POST /oauth/token` (form: grant_type=client_credentials, client_id, client_secret) gives a
  bearer token, as FedEx does; wrong credentials get 401;
- `POST /track/v1/trackingnumbers` (bearer token) answers every number of the batch with a
  Track API v1 `completeTrackResults` entry: a small scan list (2-6 scans, label to delivered,
  chosen from the number so a number always gets the same story), latestStatusDetail,
  serviceDetail, dateAndTimes and, before delivery, an ETA window. About 2.5 KB of JSON per number.

Every request, token or tracking, waits `--delay` seconds (default 0.1) before answering: the
carrier's own latency. `GET /stats` answers at once with the counts so far (token requests,
tracking requests, numbers asked about, errors) as JSON; `POST /stats/reset` zeroes them.

Standalone: `python bench/fake_carrier.py [--delay 0.1] [--port 0]` prints
`fake-carrier listening on http://127.0.0.1:<port>` and serves until interrupted. Not a
benchmark: `polling_throughput.py` starts it as a separate process, so its CPU is its own.
"""
import argparse
import hashlib
import json
import secrets
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

TOKEN_PATH = "/oauth/token"
TRACK_PATH = "/track/v1/trackingnumbers"

# (eventType, derivedStatusCode, description) in journey order.
JOURNEY = [
    ("OC", "IN", "Shipment information sent to FedEx"),
    ("PU", "PU", "Picked up"),
    ("AR", "IT", "Arrived at FedEx location"),
    ("DP", "IT", "Departed FedEx location"),
    ("OD", "OD", "On FedEx vehicle for delivery"),
    ("DL", "DL", "Delivered"),
]
PLACES = [
    ("MEMPHIS", "TN", "38118", "US", "-06:00"),
    ("INDIANAPOLIS", "IN", "46241", "US", "-05:00"),
    ("OAKLAND", "CA", "94621", "US", "-08:00"),
    ("NEWARK", "NJ", "07114", "US", "-05:00"),
    ("PORTLAND", "OR", "97218", "US", "-08:00"),
    ("CHICAGO", "IL", "60666", "US", "-06:00"),
]


def track_result(number: str, now: datetime) -> dict:
    """One number's completeTrackResults entry: 2 to 6 scans, fixed by the number."""
    h = hashlib.blake2b(number.encode(), digest_size=8).digest()
    scans = 2 + h[0] % 5  # 2..6 scans: label created .. delivered
    start = now - timedelta(hours=6 * scans + h[1] % 12)
    events = []
    for i in range(scans):
        code, derived, desc = JOURNEY[i]
        city, state, postal, cc, offset = PLACES[(h[2] + i) % len(PLACES)]
        when = (start + timedelta(hours=6 * i, minutes=h[3] % 60)).astimezone(timezone.utc)
        local = when + timedelta(hours=int(offset[:3]))
        events.append({
            "date": local.strftime("%Y-%m-%dT%H:%M:%S") + offset,
            "eventType": code, "derivedStatusCode": derived, "derivedStatus": desc,
            "eventDescription": desc, "exceptionCode": "", "exceptionDescription": "",
            "scanLocation": {"city": city, "stateOrProvinceCode": state, "postalCode": postal,
                             "countryCode": cc, "residential": False},
            "locationType": "FEDEX_FACILITY",
        })
    events.reverse()  # FedEx lists the newest scan first
    latest_code, latest_derived, latest_desc = JOURNEY[scans - 1]
    delivered = latest_code == "DL"
    dates = [{"type": "SHIP", "dateTime": events[-1]["date"][:10] + "T00:00:00" + events[-1]["date"][19:]}]
    result = {
        "trackingNumberInfo": {"trackingNumber": number, "carrierCode": "FDXG",
                               "trackingNumberUniqueId": f"12024~{number}~FDEG"},
        "latestStatusDetail": {"code": latest_code, "derivedCode": latest_derived,
                               "statusByLocale": latest_desc, "description": latest_desc,
                               "scanLocation": events[0]["scanLocation"]},
        "serviceDetail": {"description": "FedEx Ground", "shortDescription": "FG",
                          "type": "FEDEX_GROUND"},
        "deliveryDetails": {"receivedByName": "", "signedByName": "J.DOE" if delivered else ""},
        "dateAndTimes": dates,
        "scanEvents": events,
        "packageDetails": {"count": "1", "weightAndDimensions": {
            "weight": [{"unit": "LB", "value": "3.0"}]}},
    }
    if delivered:
        dates.insert(0, {"type": "ACTUAL_DELIVERY", "dateTime": events[0]["date"]})
    else:
        eta = (now + timedelta(days=1 + h[4] % 3)).strftime("%Y-%m-%d")
        result["estimatedDeliveryTimeWindow"] = {"type": "ESTIMATED_DELIVERY", "window": {
            "begins": f"{eta}T09:00:00-06:00", "ends": f"{eta}T17:00:00-06:00"}}
    return {"trackingNumber": number, "trackResults": [result]}


class FakeFedEx:
    """The server, its counters and its credentials; start() runs it on a daemon thread."""

    def __init__(self, delay: float = 0.1, client_id: str = "bench-client",
                 client_secret: str = "bench-secret", port: int = 0):
        self.delay, self.client_id, self.client_secret = delay, client_id, client_secret
        self.token = "bench-token-" + secrets.token_hex(8)
        self.lock = threading.Lock()
        self.counts = {"token_requests": 0, "track_requests": 0, "numbers": 0, "errors": 0,
                       "max_batch": 0, "in_flight": 0, "max_in_flight": 0}
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 256
        self.thread = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeFedEx":
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       kwargs={"poll_interval": 0.05}, name="fake-fedex")
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def count(self, **deltas) -> None:
        with self.lock:
            for k, v in deltas.items():
                self.counts[k] += v
            self.counts["max_in_flight"] = max(self.counts["max_in_flight"], self.counts["in_flight"])

    def stats(self) -> dict:
        with self.lock:
            return dict(self.counts)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as requests' pooled session expects
    fake: FakeFedEx

    def log_message(self, *args) -> None:  # no access log on stderr
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body) -> None:
        raw = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        if self.path == "/stats":
            return self._send(200, self.fake.stats())
        self._send(404, {"errors": [{"code": "NOT.FOUND.ERROR", "message": "not found"}]})

    def do_POST(self) -> None:
        fake = self.fake
        body = self._body()
        if self.path == "/stats/reset":
            with fake.lock:
                for k in fake.counts:
                    fake.counts[k] = 0
            return self._send(200, fake.stats())
        fake.count(in_flight=1)
        try:
            time.sleep(fake.delay)
            if self.path == TOKEN_PATH:
                fake.count(token_requests=1)
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                if (form.get("grant_type") != "client_credentials"
                        or form.get("client_id") != fake.client_id
                        or form.get("client_secret") != fake.client_secret):
                    fake.count(errors=1)
                    return self._send(401, {"errors": [{"code": "NOT.AUTHORIZED.ERROR",
                                                        "message": "Bad credentials"}]})
                return self._send(200, {"access_token": fake.token, "token_type": "bearer",
                                        "expires_in": 3599, "scope": "CXS"})
            if self.path == TRACK_PATH:
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    fake.count(errors=1)
                    return self._send(401, {"errors": [{"code": "NOT.AUTHORIZED.ERROR",
                                                        "message": "invalid token"}]})
                try:
                    numbers = [i["trackingNumberInfo"]["trackingNumber"]
                               for i in json.loads(body)["trackingInfo"]]
                except (ValueError, KeyError, TypeError):
                    fake.count(errors=1)
                    return self._send(400, {"errors": [{"code": "INVALID.INPUT.EXCEPTION",
                                                        "message": "Invalid field value"}]})
                now = datetime.now(timezone.utc)
                fake.count(track_requests=1, numbers=len(numbers))
                with fake.lock:
                    fake.counts["max_batch"] = max(fake.counts["max_batch"], len(numbers))
                return self._send(200, {
                    "transactionId": secrets.token_hex(8),
                    "output": {"completeTrackResults": [track_result(n, now) for n in numbers]},
                })
            fake.count(errors=1)
            self._send(404, {"errors": [{"code": "NOT.FOUND.ERROR", "message": "not found"}]})
        finally:
            fake.count(in_flight=-1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--delay", type=float, default=0.1, help="seconds every request waits (default 0.1)")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    ap.add_argument("--client-id", default="bench-client")
    ap.add_argument("--client-secret", default="bench-secret")
    args = ap.parse_args()
    fake = FakeFedEx(args.delay, args.client_id, args.client_secret, args.port)
    print(f"fake-carrier listening on {fake.base_url}", flush=True)
    try:
        fake.server.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
