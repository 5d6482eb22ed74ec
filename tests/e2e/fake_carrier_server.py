"""A local FedEx look-alike for polling tests: real HTTP on 127.0.0.1, FedEx-shaped answers.

Point the built-in `fedex` adapter at it (`CARRIERS["fedex"]["base_url"] = server.url`, or
`TRACKING_CARRIERS__fedex__base_url` for worker processes) and it answers:

- POST /oauth/token: a bearer token naming the `client_id` that asked (`fake-<client_id>`), so
  every track call can be traced back to the worker that made it (give each worker its own id);
- POST /track/v1/trackingnumbers: for every number asked about, the same two scans (picked up,
  arrived at a hub) dated from the server's start, so re-polling adds no new events;
- GET /_calls: every number asked about, in order: {"number", "at" (epoch seconds, on arrival),
  "client", "request"} (thread-safe, in memory).

`delay` slows every track answer down (a slow carrier, to kill a worker mid-batch); `status`
makes every track answer that HTTP status instead (a failing carrier). Standard library only.

Run by hand: python tests/e2e/fake_carrier_server.py --port 8765 [--delay 0.5]
"""
import argparse
import itertools
import json
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

EASTERN = timezone(timedelta(hours=-5))


def _stamp(moment: datetime) -> str:
    """FedEx's style: local wall time with its offset."""
    return moment.astimezone(EASTERN).replace(microsecond=0).isoformat()


def fedex_track_result(number: str, base: datetime) -> dict:
    """One `completeTrackResults` entry: picked up 3 h and arrived at a hub 1 h before `base`."""
    picked_up, arrived = base - timedelta(hours=3), base - timedelta(hours=1)
    return {
        "trackingNumber": number,
        "trackResults": [{
            "trackingNumberInfo": {"trackingNumber": number, "carrierCode": "FDXG"},
            "latestStatusDetail": {"code": "AR", "derivedCode": "IT", "statusByLocale": "In transit",
                                   "description": "Arrived at FedEx location"},
            "serviceDetail": {"description": "FedEx Ground", "type": "FEDEX_GROUND"},
            "dateAndTimes": [{"type": "ACTUAL_PICKUP", "dateTime": _stamp(picked_up)}],
            "scanEvents": [
                {"date": _stamp(arrived), "eventType": "AR",
                 "eventDescription": "Arrived at FedEx location", "derivedStatusCode": "IT",
                 "scanLocation": {"city": "MEMPHIS", "stateOrProvinceCode": "TN",
                                  "postalCode": "38118", "countryCode": "US"}},
                {"date": _stamp(picked_up), "eventType": "PU", "eventDescription": "Picked up",
                 "derivedStatusCode": "PU",
                 "scanLocation": {"city": "LOUISVILLE", "stateOrProvinceCode": "KY",
                                  "postalCode": "40209", "countryCode": "US"}},
            ],
        }],
    }


def fedex_body(numbers: list[str], base: datetime | None = None) -> dict:
    """A whole Track API v1 answer for `numbers`."""
    base = base or datetime.now(timezone.utc)
    return {"transactionId": "fake", "output": {
        "completeTrackResults": [fedex_track_result(n, base) for n in numbers]}}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A client that went away mid-answer (a killed worker) is expected, not news."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class FakeCarrierServer:
    """The server, on a thread of this process: `with FakeCarrierServer() as server: server.url`."""

    def __init__(self, port: int = 0, delay: float = 0.0, status: int | None = None):
        self.delay = delay
        self.status = status
        self.base = datetime.now(timezone.utc)  # scan times, fixed for the server's life
        self._calls: list[dict] = []
        self._lock = threading.Lock()
        self._request_ids = itertools.count(1)
        self._httpd = _QuietServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="fake-carrier")

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeCarrierServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def __enter__(self) -> "FakeCarrierServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def calls(self) -> list[dict]:
        """A copy of every number asked about so far."""
        with self._lock:
            return list(self._calls)

    def _record(self, numbers: list[str], client: str) -> None:
        at, request = time.time(), next(self._request_ids)
        with self._lock:
            self._calls.extend({"number": n, "at": at, "client": client, "request": request}
                               for n in numbers)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # quiet: tests read /_calls instead
                pass

            def _send(self, status: int, body) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self):
                if self.path == "/_calls":
                    self._send(200, server.calls())
                else:
                    self._send(404, {"errors": [{"code": "NOT.FOUND"}]})

            def do_POST(self):
                body = self._body()
                if self.path == "/oauth/token":
                    form = parse_qs(body.decode())
                    client = (form.get("client_id") or ["anonymous"])[0]
                    self._send(200, {"access_token": f"fake-{client}", "token_type": "bearer",
                                     "expires_in": 3600, "scope": "CXS"})
                elif self.path == "/track/v1/trackingnumbers":
                    try:
                        numbers = [str(info["trackingNumberInfo"]["trackingNumber"])
                                   for info in json.loads(body)["trackingInfo"]]
                    except (ValueError, KeyError, TypeError):
                        self._send(400, {"errors": [{"code": "BAD.REQUEST"}]})
                        return
                    auth = self.headers.get("Authorization", "")
                    server._record(numbers, auth.removeprefix("Bearer fake-"))
                    if server.delay:
                        time.sleep(server.delay)
                    if server.status:
                        self._send(server.status, {"errors": [{"code": "SYSTEM.UNAVAILABLE"}]})
                    else:
                        self._send(200, fedex_body(numbers, server.base))
                else:
                    self._send(404, {"errors": [{"code": "NOT.FOUND"}]})

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    with FakeCarrierServer(args.port, args.delay) as server:
        print(f"fake FedEx on {server.url} (GET {server.url}/_calls); Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
