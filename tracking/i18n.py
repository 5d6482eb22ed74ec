"""Choosing the shopper's language and timezone: ?lang= > Accept-Language > order locale > merchant default."""
from flask import current_app, g, has_request_context, request
from flask_babel import refresh


def supported(value: str | None) -> str | None:
    """The offered locale matching `value` (`pt-br`, `pt_BR`, `PT`...), or None."""
    if not value:
        return None
    wanted = value.strip().replace("-", "_").lower()
    offered = current_app.config["LANGUAGES"]
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
    chosen = supported(request.args.get("lang"))
    if chosen:
        return chosen
    header = request.accept_languages.best_match(current_app.config["LANGUAGES"])
    if header:
        return header
    for fallback in (g.get("order_locale"), g.get("merchant_locale")):
        chosen = supported(fallback)
        if chosen:
            return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Times without a carrier offset (ETA, delivery) show in the merchant's timezone."""
    return g.get("merchant_timezone") or current_app.config["BABEL_DEFAULT_TIMEZONE"]


def forget_previous_request() -> None:
    """Drop per-request choices cached on `g`: an outer app context (tests, CLI) can span requests."""
    for name in ("merchant", "merchant_locale", "merchant_timezone", "order_locale"):
        g.pop(name, None)
    refresh()
