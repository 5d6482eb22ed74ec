"""A merchant's brand as CSS custom properties: safe colours, curated fonts, readable text."""
import re

from markupsafe import Markup

from ..models import Merchant

# Curated font stacks: system fonts only, so a first view downloads no font file.
FONTS = {
    "system": 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif',
    "humanist": '"Seravek", "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", sans-serif',
    "rounded": 'ui-rounded, "Hiragino Maru Gothic ProN", Quicksand, Comfortaa, sans-serif',
    "serif": '"Iowan Old Style", "Palatino Linotype", "URW Palladio L", P052, Georgia, serif',
    "mono": 'ui-monospace, "Cascadia Code", "Source Code Pro", Menlo, Consolas, monospace',
}
DEFAULT_BRAND, DEFAULT_ACCENT = "#1f4e79", "#b45309"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def safe_color(value: str | None, default: str) -> str:
    """A #rrggbb colour, or the default: nothing else reaches the stylesheet."""
    return value if value and _HEX.match(value) else default


def http_url(value: str | None) -> str | None:
    """A merchant-supplied link, only if it is http(s): no javascript: or data: URLs on the page."""
    if value and value.strip().lower().startswith(("https://", "http://", "/")) \
            and not value.strip().startswith("//"):
        return value.strip()
    return None


def luminance(color: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two #rrggbb colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable_on(background: str) -> str:
    """Near-black or white, whichever reads better on `background`."""
    return "#ffffff" if contrast(background, "#ffffff") >= contrast(background, "#111111") else "#111111"


def brand_vars(merchant: Merchant) -> dict[str, str]:
    """The custom properties the page stylesheet reads."""
    brand = safe_color(merchant.brand_color, DEFAULT_BRAND)
    accent = safe_color(merchant.accent_color, DEFAULT_ACCENT)
    link = next((c for c in (accent, brand) if contrast(c, "#ffffff") >= 4.5), "#1a1a1a")
    return {
        "--brand": brand,
        "--link": link,
        "--on-brand": readable_on(brand),
        "--accent": accent,
        "--on-accent": readable_on(accent),
        "--font": FONTS.get(merchant.font, FONTS["system"]),
    }


def brand_style(merchant: Merchant) -> Markup:
    """The `:root` rule for a <style> element; every value is validated or from FONTS, so safe."""
    rules = ";".join(f"{name}:{value}" for name, value in brand_vars(merchant).items())
    return Markup(":root{" + rules.replace("<", "") + "}")


# Blocks of the tracking page, in their default order. "timeline" (the tracking history) lives
# in the live section with "status" and always follows it; the others can be hidden or moved.
BLOCKS = ("status", "timeline", "items", "parcels", "help")


def page_blocks(merchant) -> list[str]:
    """The blocks the merchant shows, in order; unknown names dropped, "status" always present."""
    chosen = [b for b in (getattr(merchant, "layout", None) or BLOCKS) if b in BLOCKS]
    chosen = list(dict.fromkeys(chosen))
    if "status" not in chosen:
        chosen.insert(0, "status")
    if "timeline" in chosen:  # rides with the live section
        chosen.remove("timeline")
        chosen.insert(chosen.index("status") + 1, "timeline")
    return chosen


def offered_locales(merchant, languages: list[str]) -> list[str]:
    """The configured languages the merchant offers (all of them when it has not chosen).

    `merchant` is a Merchant or its `locales_offered` string itself."""
    chosen = merchant if isinstance(merchant, str) or merchant is None else getattr(merchant, "locales_offered", None)
    wanted = {c.strip() for c in (chosen or "").split(",") if c.strip()}
    offered = [code for code in languages if code in wanted]
    return offered or list(languages)


def header_links(merchant) -> list[dict]:
    """Up to three {label, url} links for the page header; anything not http(s) dropped."""
    links = []
    for link in (getattr(merchant, "header_links", None) or [])[:3]:
        if isinstance(link, dict) and link.get("label") and http_url(link.get("url")):
            links.append({"label": str(link["label"]), "url": http_url(link["url"])})
    return links
