"""Shopper-facing pages."""
from babel import Locale
from flask import Flask, request, url_for
from flask_babel import get_locale

from babel.numbers import format_currency

from ..carriers import known_carriers
from . import hosts, page_views, wording
from .branding import brand_style, header_links, http_url, offered_locales, page_blocks
from .routes import bp


def carrier_name(code: str) -> str:
    """The carrier's display name; its code when the adapter is not installed."""
    adapter = known_carriers().get(code)
    return adapter.name if adapter else code.upper()


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]


def register(app: Flask) -> None:
    """Mount the shopper blueprint and the template helpers its pages use."""
    hosts.register(app)
    page_views.init_app(app)
    app.register_blueprint(bp)
    app.add_template_filter(http_url)
    language_names = {code: _capitalised(Locale.parse(code).get_display_name(code))
                      for code in app.config["LANGUAGES"]}

    @app.context_processor
    def page_helpers():
        def url_with_lang(endpoint: str, **values) -> str:
            lang = request.args.get("lang")
            return url_for(endpoint, **values, **({"lang": lang} if lang else {}))
        locale = get_locale()
        return {
            "brand_style": brand_style,
            "carrier_name": carrier_name,
            "money": lambda amount, currency: format_currency(amount, currency, locale=locale),
            "status_word": lambda s: wording.headline(s.status, s.substatus),
            "html_lang": str(locale).replace("_", "-") if locale else "en",
            "url_with_lang": url_with_lang,
            "language_names": language_names,
            "page_blocks": page_blocks,
            "header_links": header_links,
            "offered_locales": lambda merchant: offered_locales(merchant, app.config["LANGUAGES"]),
        }
