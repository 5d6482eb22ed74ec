"""Console domains: owners and admins add, check and remove custom domains."""
import socket

import pytest

from tracking.extensions import db
from tracking.models import CustomDomain


def domain_of(merchant, hostname="track.acme-shop.com"):
    domain = CustomDomain(merchant_id=merchant.id, hostname=hostname)
    db.session.add(domain)
    db.session.commit()
    return domain


def test_add_lower_cases_and_shows_the_record(app, owner, console_client):
    app.config["PUBLIC_BASE_URL"] = "https://tracking.example.net"
    client = console_client(owner)
    response = client.post("/console/domains", data={"hostname": " Track.Acme-Shop.COM. "})
    assert response.status_code == 302
    assert db.session.scalars(db.select(CustomDomain.hostname)).all() == ["track.acme-shop.com"]
    page = client.get("/console/domains").get_data(as_text=True)
    assert "CNAME track.acme-shop.com -&gt; tracking.example.net" in page


@pytest.mark.parametrize("hostname", ["93.184.216.34", "[::1]", "not a host", "localhost",
                                      "127.0.0.1", "-bad.example.com", "example"])
def test_bad_names_are_refused(owner, console_client, hostname):
    response = console_client(owner).post("/console/domains", data={"hostname": hostname})
    assert response.status_code == 422
    assert 'id="hostname-error"' in response.get_data(as_text=True)
    assert db.session.scalars(db.select(CustomDomain)).all() == []


def test_the_instances_own_host_is_refused(app, owner, console_client):
    app.config["PUBLIC_BASE_URL"] = "https://tracking.example.net"
    response = console_client(owner).post("/console/domains", data={"hostname": "tracking.example.net"})
    assert response.status_code == 422


def test_a_name_in_use_is_refused(make_merchant, owner, console_client):
    domain_of(make_merchant("other"))
    response = console_client(owner).post("/console/domains", data={"hostname": "track.acme-shop.com"})
    assert response.status_code == 422
    assert len(db.session.scalars(db.select(CustomDomain)).all()) == 1


def test_check_now(monkeypatch, merchant, admin, console_client):
    domain = domain_of(merchant)
    client = console_client(admin)

    def fails(host, port, *args, **kwargs):
        raise socket.gaierror("no such name")
    monkeypatch.setattr(socket, "getaddrinfo", fails)
    client.post(f"/console/domains/{domain.id}/check")
    assert "does not resolve yet" in client.get("/console/domains").get_data(as_text=True)
    db.session.refresh(domain)
    assert domain.verified_at is None
    dns = {"track.test": "93.184.216.34", "track.acme-shop.com": "203.0.113.9"}  # elsewhere
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", (dns[host], 0))])
    client.post(f"/console/domains/{domain.id}/check")
    page = client.get("/console/domains").get_data(as_text=True)
    assert "resolves to 203.0.113.9, which is not this service: make it a CNAME to track.test" in page
    db.session.refresh(domain)
    assert domain.verified_at is None
    dns["track.acme-shop.com"] = dns["track.test"]  # the CNAME is in place
    client.post(f"/console/domains/{domain.id}/check")
    assert "points to this service" in client.get("/console/domains").get_data(as_text=True)
    db.session.refresh(domain)
    assert domain.verified_at is not None


def test_check_when_this_service_cannot_resolve_its_own_name(monkeypatch, merchant, admin,
                                                             console_client):
    domain = domain_of(merchant)

    def lookup(host, port, *args, **kwargs):
        if host == "track.test":
            raise socket.gaierror("a development name")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0))]
    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    console_client(admin).post(f"/console/domains/{domain.id}/check")
    db.session.refresh(domain)
    assert domain.verified_at is not None


def test_remove(merchant, owner, console_client):
    domain = domain_of(merchant)
    assert console_client(owner).post(f"/console/domains/{domain.id}/remove").status_code == 302
    assert db.session.scalars(db.select(CustomDomain)).all() == []


def test_another_merchants_domain_is_404(make_merchant, owner, console_client):
    domain = domain_of(make_merchant("other"))
    client = console_client(owner)
    assert "track.acme-shop.com" not in client.get("/console/domains").get_data(as_text=True)
    for action in ("check", "remove"):
        assert client.post(f"/console/domains/{domain.id}/{action}").status_code == 404
    assert len(db.session.scalars(db.select(CustomDomain)).all()) == 1


def test_agents_may_not_open_it(merchant, agent, console_client):
    domain = domain_of(merchant)
    client = console_client(agent)
    assert client.get("/console/domains").status_code == 403
    assert client.post(f"/console/domains/{domain.id}/remove").status_code == 403
