"""No SSRF: private, loopback, link-local and metadata addresses are refused at registration
and at delivery, and a delivery connects to the very address that was checked."""
import pytest

from outbound_helpers import HOOK, change_status, deliveries
from tracking import outbound
from tracking.extensions import db
from tracking.outbound import RefusedURL, deliver_due, register_endpoint, ssrf

REFUSED = [
    ("https://localhost/hook", "this server itself"),
    ("https://app.localhost/hook", "this server itself"),
    ("https://127.0.0.1/hook", "loopback"),
    ("https://127.1.2.3:8443/hook", "loopback"),
    ("https://[::1]/hook", "loopback"),
    ("https://0.0.0.0/hook", "unspecified"),
    ("https://[::]/hook", "unspecified"),
    ("https://2130706433/hook", "not a standard IP address"),
    ("https://0x7f.1/hook", "not a standard IP address"),
    ("https://017700000001/hook", "not a standard IP address"),
    ("https://127.1/hook", "not a standard IP address"),
    ("https://0/hook", "not a standard IP address"),
    ("https://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("https://169.254.1.1/hook", "link-local"),
    ("https://[fe80::1]/hook", "link-local"),
    ("https://[fd00:ec2::254]/hook", "cloud metadata"),
    ("https://10.0.0.5/hook", "private"),
    ("https://172.16.4.1/hook", "private"),
    ("https://192.168.1.1/hook", "private"),
    ("https://100.64.0.1/hook", "private"),  # carrier-grade NAT
    ("https://198.18.0.1/hook", "private"),  # benchmarking
    ("https://240.0.0.1/hook", "private or reserved"),
    ("https://224.0.0.1/hook", "multicast"),
    ("https://255.255.255.255/hook", "broadcast"),
    ("https://[fc00::1]/hook", "private"),
    ("https://[::ffff:127.0.0.1]/hook", "loopback"),  # IPv4-mapped
    ("https://[::ffff:a9fe:a9fe]/hook", "cloud metadata"),  # mapped 169.254.169.254
    ("https://[2002:7f00:1::]/hook", "loopback"),  # 6to4 of 127.0.0.1
    ("https://[2002:a00:1::]/hook", "private"),  # 6to4 of 10.0.0.1
    ("https://[64:ff9b::a00:1]/hook", "private"),  # NAT64 of 10.0.0.1
    ("https://intranet.example.com/hook", "intranet.example.com (10.1.2.3) is a private"),
    ("https://mixed.example.com/hook", "mixed.example.com (192.168.0.9) is a private"),
    ("https://nowhere.example.com/hook", "does not resolve"),
    ("http://hooks.example.com/hook", "https://"),
    ("ftp://hooks.example.com/hook", "https://"),
    ("hooks.example.com/hook", "https://"),
    ("https://user:pass@hooks.example.com/hook", "user name or password"),
    ("https://hooks.example.com\\@127.0.0.1/hook", "backslashes"),
    ("https://hooks.example.com/ho ok", "spaces"),
    ("https:///hook", "no host"),
    ("", "Enter the URL"),
    ("https://hooks.example.com/" + "a" * 2000, "longer than"),
]


@pytest.fixture(autouse=True)
def names(dns):
    dns["intranet.example.com"] = ["10.1.2.3"]
    dns["mixed.example.com"] = ["93.184.216.34", "192.168.0.9"]


@pytest.mark.parametrize("url, reason", REFUSED, ids=[u[:40] for u, _ in REFUSED])
def test_refused_at_registration(app, merchant, url, reason):
    with pytest.raises(RefusedURL, match=reason.replace("(", r"\(").replace(")", r"\)")):
        register_endpoint(merchant, url, ["shipment.delivered"])


def test_a_public_https_url_is_accepted(app, merchant, dns):
    dns["v6.example.com"] = ["2606:2800:220:1:248:1893:25c8:1946"]
    for url in (HOOK, "https://hooks.example.com:8443/x?token=1", "https://v6.example.com/",
                "https://93.184.216.34/hook", "https://[2606:2800:220:1:248:1893:25c8:1946]/h",
                "https://HOOKS.example.com./caps"):
        assert register_endpoint(merchant, url, "shipment.delivered").url == url


def test_the_instance_may_allow_http_and_private_addresses(app, merchant, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_WEBHOOKS_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "OUTBOUND_WEBHOOKS_ALLOW_PRIVATE", True)
    for url in ("http://hooks.example.com/h", "https://10.0.0.5/h", "http://127.0.0.1:9000/h",
                "https://intranet.example.com/h", "https://[::1]/h", "https://169.254.1.1/h"):
        register_endpoint(merchant, url, "shipment.delivered")
    # no receiver lives on these, whatever the settings
    for url, reason in (("https://169.254.169.254/", "metadata"), ("https://0.0.0.0/", "unspecified"),
                        ("https://224.0.0.1/", "multicast"), ("https://localhost/", "itself")):
        with pytest.raises(RefusedURL, match=reason):
            register_endpoint(merchant, url, "shipment.delivered")


@pytest.mark.parametrize("address, reason", [
    ("10.0.0.7", "a private or reserved address"), ("127.0.0.1", "a loopback address"),
    ("169.254.169.254", "a cloud metadata address"), ("::1", "a loopback address"),
    ("::ffff:192.168.0.1", "a private or reserved address"),
])
def test_dns_turning_private_after_registration_is_refused_at_delivery(
        app, merchant, make_endpoint, shipment, receiver, dns, address, reason):
    make_endpoint(merchant)
    change_status(shipment, "in_transit")
    db.session.commit()
    receiver.post(HOOK, status=200)
    dns["hooks.example.com"] = [address]

    summary = deliver_due()

    assert summary.failed == 1 and len(receiver.calls) == 0
    [delivery] = deliveries()
    assert delivery.status == "failed" and delivery.last_status_code is None
    assert delivery.last_error.startswith(f"refused: hooks.example.com ({address}) is {reason}")
    assert delivery.attempt_log[0].error == delivery.last_error


def test_settings_tightened_after_registration_are_applied_at_delivery(
        app, merchant, make_endpoint, shipment, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_WEBHOOKS_ALLOW_HTTP", True)
    make_endpoint(merchant, url="http://hooks.example.com/plain")
    change_status(shipment, "in_transit")
    db.session.commit()
    monkeypatch.setitem(app.config, "OUTBOUND_WEBHOOKS_ALLOW_HTTP", False)
    deliver_due()
    assert len(receiver.calls) == 0
    assert "https://" in deliveries()[0].last_error
    endpoint = outbound.endpoints_of(merchant)[0]
    outbound.disable(endpoint)
    with pytest.raises(RefusedURL):
        outbound.enable(endpoint)


def test_refusal_covers_ipv6_forms_of_ipv4_addresses():
    import ipaddress
    for text in ("::ffff:10.0.0.1", "2002:c0a8:0101::", "64:ff9b::c0a8:101"):
        assert ssrf.refusal(ipaddress.ip_address(text), allow_private=False)
    assert ssrf.refusal(ipaddress.ip_address("::ffff:93.184.216.34"), allow_private=False) is None
