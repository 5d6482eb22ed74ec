"""Fixtures for the outbound webhook tests: a fake DNS, endpoints, receivers."""
import socket

import pytest

from outbound_helpers import HOOK, PUBLIC_IP
from tracking import outbound
from tracking.extensions import db

_real_getaddrinfo = socket.getaddrinfo


class Dns(dict):
    """Test host names and their addresses; `lookups` lists every name asked for."""

    def __init__(self, table: dict):
        super().__init__(table)
        self.lookups: list[str] = []


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """A resolver for test host names (a dict a test may change: name -> [addresses]).

    Addresses resolve to themselves through the real resolver, without any lookup, as do the
    numeric spellings the real one accepts (2130706433); other names do not resolve.
    """
    table = Dns({"hooks.example.com": [PUBLIC_IP], "other.example.com": ["151.101.1.69"]})

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        table.lookups.append(name)
        if name in table:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                     (a, port, 0, 0) if ":" in a else (a, port)) for a in table[name]]
        if name == "localhost":
            return _real_getaddrinfo(host, port, family, type, proto, flags)
        return _real_getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.fixture
def receiver(no_outbound_network):
    """The `responses` mock that stands in for merchants' receivers."""
    return no_outbound_network


@pytest.fixture
def make_endpoint(app):
    """Register and commit an endpoint: make_endpoint(merchant, url=HOOK, events=all types)."""
    def make(merchant, url: str = HOOK, events=outbound.EVENT_TYPES, description: str = ""):
        endpoint = outbound.register_endpoint(merchant, url, events, description)
        db.session.commit()
        return endpoint
    return make


@pytest.fixture
def shipment(merchant, make_shipment):
    return make_shipment(merchant, number="DEMOONTIME1")
