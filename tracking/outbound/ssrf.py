"""Keeping merchants' webhook URLs off private networks (SSRF), at registration and at delivery.

A URL is checked by resolving its host and vetting every address it resolves to; the delivery
then connects to the vetted address itself (`PinnedAdapter`), while TLS still verifies the
certificate for the host name (SNI), so DNS that changes between the check and the connection
(rebinding) cannot reach an address that was not checked.
"""
import ipaddress
import re
import socket
from dataclasses import dataclass

from flask_babel import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2000
# Host names that are numbers in another spelling (2130706433, 0x7f.1, 017700000001): the
# resolver reads them as addresses, people do not; only the standard spelling is accepted.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?$", re.IGNORECASE)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_BROADCAST = ipaddress.IPv4Address("255.255.255.255")
# Cloud instance metadata services (AWS, GCP, Azure, ECS, Alibaba): refused even where private
# addresses are allowed, as no receiver lives there and they hand out credentials.
_METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200"))


class RefusedURL(ValueError):
    """A webhook URL that may not be used; the message is fit to show to the merchant."""


@dataclass(frozen=True)
class Target:
    """A vetted URL: the host as written and the addresses it resolved to, the first to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def check_url(url: str, *, allow_http: bool, allow_private: bool) -> Target:
    """Parse, resolve and vet `url`; raise RefusedURL saying why it cannot be used."""
    scheme, host, port = _parse(url, allow_http)
    addresses = resolve(host, port)
    for address in addresses:
        problem = refusal(ipaddress.ip_address(address), allow_private)
        if problem:
            shown = host if host == address else f"{host} ({address})"
            raise RefusedURL(_("%(host)s is %(problem)s: webhooks go to public internet addresses only.",
                              host=shown, problem=problem))
    return Target(url, scheme, host, port, tuple(addresses))


def _parse(url: str, allow_http: bool) -> tuple[str, str, int]:
    """Scheme, host (brackets removed) and port of a URL that is well formed for a webhook."""
    if not isinstance(url, str) or not url.strip():
        raise RefusedURL(_("Enter the URL of your webhook receiver."))
    if len(url) > MAX_URL_LENGTH:
        raise RefusedURL(_("The URL is longer than %(num)d characters.", num=MAX_URL_LENGTH))
    if any(c.isspace() or ord(c) < 32 or c == "\\" for c in url):
        raise RefusedURL(_("The URL contains spaces, control characters or backslashes."))
    try:
        parts = parse_url(url)  # the parser requests itself uses: no disagreement on the host
    except LocationParseError:
        raise RefusedURL(_("This is not a valid URL.")) from None
    scheme = (parts.scheme or "").lower()
    if scheme not in ("https", "http"):
        raise RefusedURL(_("The URL must start with https://."))
    if scheme == "http" and not allow_http:
        raise RefusedURL(_("The URL must use https:// (plain http:// is not allowed on this server)."))
    if parts.auth:
        raise RefusedURL(_("The URL must not contain a user name or password."))
    host = (parts.host or "").strip("[]").rstrip(".").lower()
    if not host:
        raise RefusedURL(_("The URL has no host name."))
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise RefusedURL(_("The host name is not valid.")) from None
    if _NUMERIC_HOST.match(host) and not _is_ip(host):
        raise RefusedURL(_("%(host)s is not a standard IP address or host name.", host=host))
    if host == "localhost" or host.endswith(".localhost"):
        raise RefusedURL(_("%(host)s is this server itself: webhooks go to public internet addresses only.",
                            host=host))
    return scheme, host, parts.port or (443 if scheme == "https" else 80)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (an address resolves to itself), without duplicates."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise RefusedURL(_("The host name %(host)s does not resolve to an address.", host=host)) from None
    addresses = []
    for info in infos:
        address = info[4][0].split("%", 1)[0]  # drop an IPv6 zone
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise RefusedURL(_("The host name %(host)s does not resolve to an address.", host=host))
    return addresses


def refusal(ip: Address, allow_private: bool) -> str | None:
    """Why a connection to `ip` is refused (a phrase), or None when it is allowed.

    Unspecified, multicast, broadcast and cloud metadata addresses never receive webhooks;
    private, loopback, link-local, shared and reserved ones only when the instance allows it.
    IPv6 forms that carry an IPv4 address (mapped, 6to4, NAT64) are judged by that address.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return refusal(embedded, allow_private)
    if ip.is_unspecified:
        return _("an unspecified address")
    if ip.is_multicast or ip == _BROADCAST:
        return _("a multicast or broadcast address")
    if ip in _METADATA:
        return _("a cloud metadata address")
    if allow_private:
        return None
    if ip.is_loopback:
        return _("a loopback address")
    if ip.is_link_local:
        return _("a link-local address")
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return _("a private or reserved address")
    return None


class PinnedAdapter(HTTPAdapter):
    """A requests adapter whose connections go to one vetted address, whatever DNS says later.

    Only the TCP connection is pinned: the Host header, TLS SNI and certificate verification
    still use the host name from the URL. Use a fresh adapter per target; never mount it on a
    session that follows redirects or uses a proxy.
    """

    def __init__(self, address: str, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _pinned_pool(HTTPConnectionPool, HTTPConnection, self.address),
            "https": _pinned_pool(HTTPSConnectionPool, HTTPSConnection, self.address),
        }


def _pinned_pool(pool_cls, connection_cls, address: str):
    """A pool class whose connections open their socket to `address`."""

    class PinnedConnection(connection_cls):
        def _new_conn(self):
            # urllib3 opens the socket to `_dns_host` and takes the Host header and SNI from
            # `host`, which reads the same attribute: swap it for the socket only.
            name, self._dns_host = self._dns_host, address
            try:
                return super()._new_conn()
            finally:
                self._dns_host = name

    return type(f"Pinned{pool_cls.__name__}", (pool_cls,), {"ConnectionCls": PinnedConnection})
