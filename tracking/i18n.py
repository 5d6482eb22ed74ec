"""Choosing the shopper's language and timezone: ?lang= > Accept-Language > order locale > merchant default,
among the languages the merchant offers."""
from flask import current_app, g, has_request_context, request
from flask_babel import refresh


def supported(value: str | None, offered: list[str] | None = None) -> str | None:
    """The offered locale matching `value` (`pt-br`, `pt_BR`, `PT`...), or None.

    `offered` defaults to every configured language; a shopper page narrows it to the ones
    its merchant offers."""
    if not value:
        return None
    wanted = value.strip().replace("-", "_").lower()
    offered = offered or current_app.config["LANGUAGES"]
    for locale in offered:
        if locale.lower() == wanted:
            return locale
    for locale in offered:
        if locale.split("_")[0].lower() == wanted.split("_")[0]:
            return locale
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    offered = g.get("offered_locales") or current_app.config["LANGUAGES"]
    chosen = supported(request.args.get("lang"), offered)
    if chosen:
        return chosen
    header = request.accept_languages.best_match(offered)
    if header:
        return header
    for fallback in (g.get("order_locale"), g.get("merchant_locale")):
        chosen = supported(fallback, offered)
        if chosen:
            return chosen
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    return default if default in offered else offered[0]


def select_timezone() -> str:
    """Times without a carrier offset (ETA, delivery) show in the merchant's timezone."""
    return g.get("merchant_timezone") or current_app.config["BABEL_DEFAULT_TIMEZONE"]


def forget_previous_request() -> None:
    """Drop per-request choices cached on `g`: an outer app context (tests, CLI) can span requests."""
    for name in ("merchant", "merchant_locale", "merchant_timezone", "order_locale", "offered_locales",
                 "link_hosts"):
        g.pop(name, None)
    refresh()
