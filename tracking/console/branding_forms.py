"""The branding form: every value a shopper's page shows, checked before anything is saved."""
import re
from urllib.parse import urlsplit

from babel import Locale
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import ColorField, EmailField
from wtforms.validators import Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..pages.branding import BLOCKS, FONTS, page_blocks

FONT_NAMES = {"system": _l("System (default)"), "humanist": _l("Humanist sans-serif"),
              "rounded": _l("Rounded"), "serif": _l("Serif"), "mono": _l("Monospace")}
BLOCK_NAMES = {"status": _l("Status and progress"), "timeline": _l("Tracking history"),
               "items": _l("Order items"), "parcels": _l("Other parcels of the order"),
               "help": _l("Help and returns")}
MOVABLE = ("status", "items", "parcels", "help")  # the tracking history follows the status
HIDEABLE = ("timeline", "items", "parcels", "help")
HEADER_LINKS = 3
FOOTER_MAX = 300
HEX = Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use a colour like #1f4e79."))
EMAIL = Regexp(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$", message=_l("Enter a valid email address."))
PHONE = Regexp(r"^\+?[0-9 ()./-]{3,40}$", message=_l("Use digits, spaces and + ( ) - . only."))
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class HttpUrl:
    """An absolute http:// or https:// URL; javascript:, data: and the like are refused."""

    def __call__(self, form, field):
        value = (field.data or "").strip()
        field.data = value or None
        if not value:
            return
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https"):
            raise ValidationError(_l("Only http:// or https:// links are allowed "
                                     "(javascript: and other kinds of link are refused)."))
        if not parts.netloc or any(c.isspace() for c in value) or CONTROL.search(value):
            raise ValidationError(_l("Enter a full web address, like https://example.com/help."))


class PlainText:
    """No control characters (line breaks are fine); the page escapes the rest."""

    def __call__(self, form, field):
        if field.data and CONTROL.search(field.data):
            raise ValidationError(_l("Remove the invisible control characters from this text."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _url_field(label, description=None):
    return StringField(label, description=description,
                       validators=[Optional(), Length(max=500), HttpUrl()],
                       render_kw={"type": "url", "inputmode": "url"})


class BrandingForm(FlaskForm):
    logo = FileField(_l("Logo"), description=_l(
        "PNG, JPEG or WebP, at most 2 MB. It is scaled to fit 800×800 pixels and stored as PNG "
        "without its metadata. The preview shows a new logo once saved."))
    remove_logo = BooleanField(_l("Remove the current logo"))
    brand_color = ColorField(_l("Brand colour"), validators=[HEX],
                             description=_l("Header background and buttons."))
    accent_color = ColorField(_l("Accent colour"), validators=[HEX],
                              description=_l("Links and highlights."))
    font = SelectField(_l("Font"), choices=[SelectChoice(key, FONT_NAMES.get(key, key)) for key in FONTS])
    link1_label = StringField(_l("Header link 1: label"), validators=[Optional(), Length(max=40), PlainText()])
    link1_url = _url_field(_l("Header link 1: address"))
    link2_label = StringField(_l("Header link 2: label"), validators=[Optional(), Length(max=40), PlainText()])
    link2_url = _url_field(_l("Header link 2: address"))
    link3_label = StringField(_l("Header link 3: label"), validators=[Optional(), Length(max=40), PlainText()])
    link3_url = _url_field(_l("Header link 3: address"))
    support_email = EmailField(_l("Support email"), validators=[Optional(), Length(max=254), EMAIL])
    support_phone = StringField(_l("Support phone"), validators=[Optional(), Length(max=40), PHONE],
                                render_kw={"type": "tel"})
    support_url = _url_field(_l("Help centre address"))
    returns_url = _url_field(_l("Returns portal address"))
    footer_text = TextAreaField(_l("Footer text"), description=_l(
        "Plain text, at most %(num)d characters.", num=FOOTER_MAX),
        validators=[Optional(), Length(max=FOOTER_MAX), PlainText()])
    show_timeline = BooleanField(BLOCK_NAMES["timeline"])
    show_items = BooleanField(BLOCK_NAMES["items"])
    show_parcels = BooleanField(BLOCK_NAMES["parcels"])
    show_help = BooleanField(BLOCK_NAMES["help"])
    pos_status = SelectField(BLOCK_NAMES["status"], coerce=int)
    pos_items = SelectField(BLOCK_NAMES["items"], coerce=int)
    pos_parcels = SelectField(BLOCK_NAMES["parcels"], coerce=int)
    pos_help = SelectField(BLOCK_NAMES["help"], coerce=int)
    default_locale = SelectField(_l("Default language"))
    locales_offered = MultiCheckboxField(_l("Languages offered to shoppers"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        languages = [SelectChoice(code, Locale.parse(code).get_display_name(code).capitalize())
                     for code in current_app.config["LANGUAGES"]]
        self.default_locale.choices = languages
        self.locales_offered.choices = languages
        positions = [SelectChoice(n, str(n)) for n in range(1, len(MOVABLE) + 1)]
        for block in MOVABLE:
            self[f"pos_{block}"].choices = positions

    def header_link_fields(self):
        return [(self[f"link{n}_label"], self[f"link{n}_url"]) for n in range(1, HEADER_LINKS + 1)]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for label, url in self.header_link_fields():
            if (label.data or "").strip() and not url.data and not url.errors:
                url.errors.append(_l("Give this link an address, or clear its label."))
                ok = False
            elif url.data and not (label.data or "").strip() and not label.errors:
                label.errors.append(_l("Give this link a label, or clear its address."))
                ok = False
        if not self.locales_offered.errors:
            if not self.locales_offered.data:
                self.locales_offered.errors.append(_l("Offer at least one language."))
                ok = False
            elif self.default_locale.data not in self.locales_offered.data \
                    and not self.default_locale.errors:
                self.default_locale.errors.append(_l("The default language must be one you offer."))
                ok = False
        return ok

    # --- between the form and a merchant (or a stand-in for the preview) ---

    def load(self, merchant) -> None:
        """Fill the fields from `merchant` (on GET)."""
        for name in ("brand_color", "accent_color", "font", "support_email", "support_phone",
                     "support_url", "returns_url", "footer_text", "default_locale"):
            self[name].data = getattr(merchant, name)
        links = list(merchant.header_links or [])[:HEADER_LINKS]
        for (label, url), link in zip(self.header_link_fields(), links):
            label.data, url.data = link.get("label"), link.get("url")
        shown = page_blocks(merchant)
        order = [b for b in shown if b in MOVABLE] + [b for b in MOVABLE if b not in shown]
        for block in HIDEABLE:
            self[f"show_{block}"].data = block in shown
        for index, block in enumerate(order, start=1):
            self[f"pos_{block}"].data = index
        offered = [c.strip() for c in (merchant.locales_offered or "").split(",") if c.strip()]
        self.locales_offered.data = offered or list(current_app.config["LANGUAGES"])

    def values(self) -> dict:
        """Attribute -> value for every field that passed validation (call validate() first)."""
        out = {}
        for name in ("brand_color", "accent_color", "font", "support_email", "support_phone",
                     "support_url", "returns_url", "footer_text"):
            if not self[name].errors:
                value = self[name].data
                out[name] = value.strip() or None if isinstance(value, str) else value
        if out.get("brand_color"):
            out["brand_color"] = out["brand_color"].lower()
        if out.get("accent_color"):
            out["accent_color"] = out["accent_color"].lower()
        if not any(f.errors for pair in self.header_link_fields() for f in pair):
            out["header_links"] = [{"label": label.data.strip(), "url": url.data}
                                   for label, url in self.header_link_fields()
                                   if url.data and (label.data or "").strip()]
        if not any(self[f"pos_{b}"].errors for b in MOVABLE):
            out["layout"] = self.layout()
        if not self.locales_offered.errors and not self.default_locale.errors:
            out["locales_offered"] = ",".join(self.locales_offered.data)
            out["default_locale"] = self.default_locale.data
        return out

    def layout(self) -> list[str]:
        """The block names in the order chosen; ties keep the default order."""
        order = sorted(MOVABLE, key=lambda b: (self[f"pos_{b}"].data or 0, BLOCKS.index(b)))
        blocks = [b for b in order if b == "status" or self[f"show_{b}"].data]
        if self.show_timeline.data:
            blocks.insert(blocks.index("status") + 1, "timeline")
        return blocks
