"""A delivery connects to the address the SSRF check vetted: DNS is not asked again (rebinding),
while the Host header, TLS SNI and certificate checks still use the host name."""
import datetime as dt
import http.server
import ssl
import threading

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks import Webhook

from outbound_helpers import change_status, deliveries
from tracking.extensions import db
from tracking.outbound import deliver_due, ssrf

NAME = "pinned.test"


class Receiver(http.server.ThreadingHTTPServer):
    """A local webhook receiver that records what reaches it."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[tuple[dict, bytes]] = []
        self.sni: list[str | None] = []
        if tls is not None:
            tls.sni_callback = lambda sock, name, ctx: self.sni.append(name)
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.requests.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def certificate(tmp_path, name: str):
    """A self-signed certificate for `name`: (cert file, key file), the cert also the CA bundle."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, False, False, False),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def local(app, monkeypatch, no_outbound_network, dns):
    """Let the pinned host name reach this machine: private addresses allowed, no mocking."""
    monkeypatch.setitem(app.config, "OUTBOUND_WEBHOOKS_ALLOW_PRIVATE", True)
    monkeypatch.setitem(app.config, "OUTBOUND_WEBHOOKS_ALLOW_HTTP", True)
    no_outbound_network.add_passthru(f"http://{NAME}")
    no_outbound_network.add_passthru(f"https://{NAME}")
    dns[NAME] = ["127.0.0.1"]
    servers = []
    yield servers
    for server in servers:
        server.stop()


def queue_for(merchant, make_endpoint, shipment, url: str):
    endpoint = make_endpoint(merchant, url=url, events=["shipment.status_changed"])
    change_status(shipment, "in_transit")
    db.session.commit()
    return endpoint


def test_the_connection_goes_to_the_checked_address_without_a_second_lookup(
        app, merchant, make_endpoint, shipment, local, dns):
    server = Receiver()
    local.append(server)
    endpoint = queue_for(merchant, make_endpoint, shipment, f"http://{NAME}:{server.port}/hook")
    dns.lookups.clear()

    assert deliver_due().succeeded == 1

    assert dns.lookups.count(NAME) == 1  # the check's; the connection did not ask again
    [(headers, body)] = server.requests
    assert headers["Host"] == f"{NAME}:{server.port}"
    Webhook(endpoint.secret).verify(body, headers)


def test_tls_checks_the_host_name_on_a_pinned_connection(
        app, merchant, make_endpoint, shipment, local, tmp_path, monkeypatch):
    cert, key = certificate(tmp_path, NAME)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server = Receiver(tls)
    local.append(server)
    monkeypatch.setitem(app.config, "OUTBOUND_WEBHOOKS_CA_BUNDLE", str(cert))
    queue_for(merchant, make_endpoint, shipment, f"https://{NAME}:{server.port}/hook")

    assert deliver_due().succeeded == 1
    assert server.sni == [NAME]
    assert server.requests[0][0]["Host"] == f"{NAME}:{server.port}"


def test_tls_refuses_a_certificate_for_another_name(
        app, merchant, make_endpoint, shipment, local, tmp_path, monkeypatch):
    cert, key = certificate(tmp_path, "elsewhere.test")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server = Receiver(tls)
    local.append(server)
    monkeypatch.setitem(app.config, "OUTBOUND_WEBHOOKS_CA_BUNDLE", str(cert))
    queue_for(merchant, make_endpoint, shipment, f"https://{NAME}:{server.port}/hook")

    assert deliver_due().failed == 1
    [delivery] = deliveries()
    assert delivery.last_error.startswith("TLS error") and server.requests == []


def test_the_adapter_ignores_what_dns_says_at_connect_time(app, local, dns):
    """Rebinding: the name now resolves elsewhere, yet the pinned connection reaches the
    vetted address (the test's socket guard would refuse anything but loopback)."""
    server = Receiver()
    local.append(server)
    dns[NAME] = ["10.9.9.9"]
    with requests.Session() as session:
        session.trust_env = False
        session.mount("http://", ssrf.PinnedAdapter("127.0.0.1"))
        response = session.post(f"http://{NAME}:{server.port}/x", data=b"{}", timeout=5)
    assert response.status_code == 204 and len(server.requests) == 1
    assert NAME not in dns.lookups
