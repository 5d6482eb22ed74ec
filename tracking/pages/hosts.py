"""Host routing: primary hosts serve everything; a merchant's custom domain serves only that
merchant's shopper pages; any other Host gets a neutral 404."""
import re
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request
from sqlalchemy import select

from ..extensions import db
from ..models import CustomDomain, Merchant, Shipment

LOCAL_HOSTS = ("localhost", "127.0.0.1")
_TOKEN_PATH = re.compile(r"^/t/([^/]+)(/status|/offers|/o/[^/]+)?/?$")  # a shipment page and its partials


def public_host(app: Flask | None = None) -> str:
    """The host name of PUBLIC_BASE_URL, lower-case."""
    app = app or current_app
    return (urlsplit(app.config["PUBLIC_BASE_URL"]).hostname or "").lower()


def primary_hosts(app: Flask | None = None) -> set[str]:
    app = app or current_app
    hosts = app.config.get("PRIMARY_HOSTS")
    if hosts is None:
        hosts = [public_host(app), *LOCAL_HOSTS]
    return {h.lower().rstrip(".") for h in hosts if h}


def request_host() -> str:
    """The request's Host without port or trailing dot, lower-case."""
    host = (request.host or "").lower()
    if host.startswith("["):  # [::1]:5000
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def _allowed_on_domain(merchant: Merchant) -> bool:
    path = request.path
    if path.startswith("/static/") or path == "/healthz":
        return True
    if path in ("/track", f"/{merchant.slug}/track"):
        return True
    match = _TOKEN_PATH.match(path)
    if match:
        owner = db.session.scalar(select(Shipment.merchant_id).where(
            Shipment.public_token == match.group(1)))
        return owner == merchant.id
    return False


def route_by_host():
    """before_request: confine custom domains to their merchant's pages; 404 unknown hosts."""
    g.pop("domain_merchant", None)  # `g` can outlive a request (an outer app context)
    host = request_host()
    if host in primary_hosts():
        return None
    merchant = db.session.scalar(select(Merchant).join(
        CustomDomain, CustomDomain.merchant_id == Merchant.id).where(CustomDomain.hostname == host))
    if merchant is None or not _allowed_on_domain(merchant):
        abort(404)
    g.domain_merchant = merchant
    return None


def register(app: Flask) -> None:
    # Runs before every other hook, so nothing else (console, API, sessions) sees a foreign Host.
    app.before_request_funcs.setdefault(None, []).insert(0, route_by_host)
