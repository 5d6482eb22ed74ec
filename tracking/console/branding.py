"""The branding editor: /console/branding, with a live preview of the real tracking page.

Saving validates everything first and writes nothing when any field is wrong, so a live
tracking page never shows a half-applied brand. The preview renders pages/track.html for a
sample shipment with the unsaved values on a plain stand-in object: nothing reaches the session.
"""
import math
from datetime import timedelta
from types import SimpleNamespace

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import inspect, select

from ..extensions import db, htmx
from ..models import Shipment
from ..models.types import utcnow
from ..pages.branding import DEFAULT_ACCENT, DEFAULT_BRAND, contrast, readable_on, safe_color
from ..pages.view import shipment_view
from .access import MANAGERS, current_merchant, login_required_role, scoped
from .blueprint import bp
from .branding_forms import BLOCK_NAMES, HIDEABLE, MOVABLE, BrandingForm
from .logos import LogoError, remove_logo, store_logo

AA = 4.5
# Room for the form and a logo up to twice the allowed size, so a too-large logo gets a clear
# message on its field rather than a bare 413 (the app-wide MAX_CONTENT_LENGTH is smaller).
FORM_OVERHEAD = 256 * 1024


def _shown(ratio: float) -> float:
    """Rounded down, so a ratio just under 4.5 never reads as "4.5:1"."""
    return math.floor(ratio * 10) / 10


def contrast_warnings(brand: str | None, accent: str | None) -> list[str]:
    """Readability warnings (not errors) for the colours chosen, per WCAG AA (4.5:1)."""
    warnings = []
    brand = safe_color(brand, DEFAULT_BRAND)
    accent = safe_color(accent, DEFAULT_ACCENT)
    on_brand = contrast(brand, readable_on(brand))
    if on_brand < AA:
        warnings.append(_l("Text on the brand colour is hard to read: contrast %(ratio).1f:1, "
                           "WCAG AA asks for 4.5:1. Choose a darker or lighter brand colour.",
                           ratio=_shown(on_brand)))
    on_white = contrast(accent, "#ffffff")
    if on_white < AA:
        warnings.append(_l("Links in the accent colour are hard to read on white: contrast "
                           "%(ratio).1f:1, WCAG AA asks for 4.5:1. The page will use a darker "
                           "colour for links instead.", ratio=_shown(on_white)))
    return warnings


def _merchant_copy(merchant, values: dict, remove: bool = False) -> SimpleNamespace:
    """A plain object with the merchant's columns and `values` over them: never in the session."""
    columns = {attr.key: getattr(merchant, attr.key) for attr in inspect(merchant).mapper.column_attrs}
    copy = SimpleNamespace(**{**columns, **values})
    if remove:
        copy.logo_path = None
    return copy


def preview_shipment(merchant):
    """What previews show: the merchant's latest shipment, or a made-up one for a new shop."""
    return db.session.scalars(
        scoped(select(Shipment)).order_by(Shipment.created_at.desc(), Shipment.id.desc()).limit(1)
    ).first() or _sample_shipment(merchant)


def _sample_shipment(merchant) -> SimpleNamespace:
    """A made-up parcel in transit, for a shop with no shipment yet."""
    now = utcnow()
    local = now.astimezone().replace(tzinfo=None)
    event = lambda hours, status, text, city, n: SimpleNamespace(  # noqa: E731
        occurred_at=now - timedelta(hours=hours), occurred_at_local=local - timedelta(hours=hours),
        status=status, substatus=None, description=text, city=city, region=None, country="US",
        fingerprint=str(n))
    shipment = SimpleNamespace(
        id=0, public_token="sample", carrier="demo", tracking_number="SAMPLE0001",
        status="in_transit", substatus=None, progress=2, stalled=False,
        estimated_delivery_earliest=now + timedelta(days=2), estimated_delivery_latest=now + timedelta(days=2),
        delivered_at=None, signed_by=None, last_polled_at=now, merchant=merchant,
        events=[event(30, "info_received", "Shipping label created", "Portland", 1),
                event(20, "in_transit", "Picked up", "Portland", 2),
                event(4, "in_transit", "Arrived at sort facility", "Denver", 3)],
    )
    item = SimpleNamespace(title=str(_l("Sample product")), quantity=1, price=None, currency=None,
                           image_url=None, product_url=None)
    shipment.order = SimpleNamespace(number="1001", items=[item], shipments=[shipment],
                                     customer_name=str(_l("Alex Example")))
    return shipment


def _preview_html(merchant, values: dict, remove_logo_: bool) -> str:
    """The real tracking page, as a shopper would see it with `values` saved."""
    shipment = preview_shipment(merchant)
    stand_in = _merchant_copy(merchant, values, remove_logo_)
    saved = g.get("merchant")
    g.merchant = stand_in
    try:
        with force_locale(stand_in.default_locale or "en"):
            return render_template("pages/track.html", **shipment_view(shipment))
    finally:
        g.merchant = saved


def _page(form: BrandingForm, merchant, values: dict | None = None, status: int = 200):
    values = values if values is not None else {}
    brand = values.get("brand_color", merchant.brand_color)
    accent = values.get("accent_color", merchant.accent_color)
    context = {
        "form": form, "merchant": merchant, "block_names": BLOCK_NAMES,
        "movable": MOVABLE, "hideable": HIDEABLE,
        "warnings": contrast_warnings(brand, accent),
        "preview": _preview_html(merchant, values, bool(form.remove_logo.data)),
    }
    return render_template("console/branding.html", **context), status


@bp.get("/branding")
@login_required_role(*MANAGERS)
def branding():
    """The editor, filled with the saved brand, and a preview of the saved page."""
    merchant = current_merchant()
    form = BrandingForm()
    form.load(merchant)
    return _page(form, merchant)


@bp.post("/branding")
@login_required_role(*MANAGERS)
def save_branding():
    """Save every field, or none: errors are shown per field and nothing is written."""
    request.max_content_length = _upload_limit()
    merchant = current_merchant()
    form = BrandingForm()
    valid = form.validate_on_submit()
    logo_name = None
    upload = form.logo.data
    if valid and upload and getattr(upload, "filename", ""):
        try:
            logo_name = store_logo(upload, merchant.id)
        except LogoError as error:
            form.logo.errors = [str(error)]
            valid = False
    if not valid:
        return _page(form, merchant, form.values(), status=422)
    previous_logo = merchant.logo_path
    for name, value in form.values().items():
        setattr(merchant, name, value)
    if logo_name:
        merchant.logo_path = logo_name
    elif form.remove_logo.data:
        merchant.logo_path = None
    merchant.updated_at = utcnow()  # the tracking pages' render cache keys on it
    db.session.commit()
    if previous_logo and previous_logo != merchant.logo_path:
        remove_logo(previous_logo, merchant.id)
    flash(_l("Branding saved. Your tracking pages show it now."), "success")
    return redirect(url_for("console.branding"))


@bp.post("/branding/preview")
@login_required_role(*MANAGERS)
def preview_branding():
    """htmx: the preview and contrast warnings for the values in the form, saved or not."""
    merchant = current_merchant()
    form = BrandingForm()
    form.validate()
    values = form.values()
    html = _preview_html(merchant, values, bool(form.remove_logo.data))
    warnings = contrast_warnings(values.get("brand_color", merchant.brand_color),
                                 values.get("accent_color", merchant.accent_color))
    response = render_template("console/_branding_preview.html", preview=html, warnings=warnings,
                               form=form, live=bool(htmx))
    return response


def _upload_limit() -> int:
    return 2 * current_app.config["UPLOAD_MAX_LOGO_BYTES"] + FORM_OVERHEAD

