"""The merchant console under /console/: accounts, roles, and (growing) shop settings."""
import ipaddress
from urllib.parse import urlsplit

from flask import Flask, current_app, g, render_template
from werkzeug.exceptions import HTTPException

from . import api_keys, auth, branding, carriers, catalogue, domains, messages, offers, overview, routes, webhooks  # noqa: F401  (importing them adds their routes to bp)
from .access import guard_blueprint
from .blueprint import bp

guard_blueprint(bp, public=auth.PUBLIC_ENDPOINTS)


def secure_headers(response):
    """Console answers are private and never framed; shared with the support console."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def error_page(error: HTTPException):
    """Errors under /console/ in the console's own layout (the shopper layout elsewhere)."""
    return render_template("console/error.html", error=error), error.code


bp.after_request(secure_headers)
bp.register_error_handler(HTTPException, error_page)


def _plain_http_on_this_machine(url: str) -> bool:
    parts = urlsplit(url or "")
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def resolve_cookie_security(app: Flask) -> None:
    """SESSION_/REMEMBER_COOKIE_SECURE None: Secure unless debug or a plain-http local base URL."""
    secure = not (app.debug or _plain_http_on_this_machine(app.config["PUBLIC_BASE_URL"]))
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:
            app.config[key] = secure


def forget_previous_user() -> None:
    """Drop the signed-in user and CSRF token cached on `g` by an earlier request.

    Flask-Login and Flask-WTF cache them on `g`, which lives as long as the app context: an
    outer one (tests, CLI) spans requests, and would hand one client's user to the next.
    """
    g.pop("_login_user", None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def register(app: Flask) -> None:
    """Mount the console: cookie policy, Flask-Login wiring, the blueprint."""
    resolve_cookie_security(app)
    app.before_request(forget_previous_user)
    auth.setup_login_manager()
    app.register_blueprint(bp)
