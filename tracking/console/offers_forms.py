"""Offer and variant forms: every value checked (rules, links, weights, schedule) before saving."""
from datetime import timezone
from zoneinfo import ZoneInfo

from babel import Locale
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ..models.offer import KINDS, PLACEMENTS
from ..offers.rules import RuleError, validate_rules
from ..pages.wording import HEADLINES
from ..status import STATUSES
from .branding_forms import HttpUrl, MultiCheckboxField, PlainText

KIND_NAMES = {"banner": _l("Banner with image and link"), "discount_code": _l("Discount code"),
              "recommendations": _l("Product recommendations"), "review_request": _l("Review request"),
              "replenishment": _l("Replenishment reminder"), "loyalty": _l("Loyalty sign-up")}
PLACEMENT_NAMES = {"under_status": _l("Under the status"), "beside_timeline": _l("Beside the timeline"),
                   "after_delivery": _l("After delivery (shown once delivered)")}
TEXT_LIMITS = {"headline": 120, "body": 500, "cta": 40}
_list = lambda text: [v.strip() for v in (text or "").replace("\n", ",").split(",") if v.strip()]  # noqa: E731


def _language(code: str) -> str:
    return Locale.parse(code).get_display_name(code).capitalize()


class OfferForm(FlaskForm):
    """What an offer is, where and when it shows, and for whom (the targeting rules)."""
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100), PlainText()],
                       description=_l("For you only; shoppers never see it."))
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, KIND_NAMES[k]) for k in KINDS])
    placement = SelectField(_l("Placement"), choices=[SelectChoice(p, PLACEMENT_NAMES[p]) for p in PLACEMENTS])
    priority = IntegerField(_l("Priority"), default=0, validators=[Optional(), NumberRange(0, 1000)],
                            description=_l("When several offers suit the same place, the highest priority shows."))
    starts_at = DateTimeLocalField(_l("Starts (optional)"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    ends_at = DateTimeLocalField(_l("Ends (optional)"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    enabled = BooleanField(_l("Shown to shoppers"), default=True)
    status = MultiCheckboxField(_l("Only while the parcel is"),
                                choices=[SelectChoice(s, HEADLINES[s]) for s in STATUSES])
    late = SelectField(_l("Late or quiet parcels"), default="", choices=[
        SelectChoice("", _l("Either")), SelectChoice("yes", _l("Only when late or quiet")),
        SelectChoice("no", _l("Only when on time"))])
    days_since_delivery_min = IntegerField(_l("At least this many days after delivery"),
                                           validators=[Optional(), NumberRange(0, 3650)])
    days_since_delivery_max = IntegerField(_l("At most this many days after delivery"),
                                           validators=[Optional(), NumberRange(0, 3650)])
    skus = StringField(_l("Order contains one of these SKUs"), validators=[Length(max=2000), PlainText()],
                       description=_l("Separated by commas."))
    categories = StringField(_l("Order contains one of these categories"),
                             validators=[Length(max=2000), PlainText()], description=_l("Separated by commas."))
    customer = SelectField(_l("Customer"), default="", choices=[
        SelectChoice("", _l("Anyone")), SelectChoice("first", _l("First order with you")),
        SelectChoice("repeat", _l("Has ordered before"))])
    locales = MultiCheckboxField(_l("Only in these languages"))
    countries = StringField(_l("Only to these countries"), validators=[Length(max=600), PlainText()],
                            description=_l("Two-letter codes separated by commas, such as US, CA."))

    rules: dict | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locales.choices = [SelectChoice(c, _language(c)) for c in current_app.config["LANGUAGES"]]

    def _raw_rules(self) -> dict:
        raw = {"status": self.status.data, "skus": _list(self.skus.data),
               "categories": _list(self.categories.data), "locales": self.locales.data,
               "countries": _list(self.countries.data)}
        raw = {k: v for k, v in raw.items() if v}
        if self.late.data:
            raw["late"] = self.late.data == "yes"
        if self.customer.data:
            raw["customer"] = self.customer.data
        for key in ("days_since_delivery_min", "days_since_delivery_max"):
            if getattr(self, key).data is not None:
                raw[key] = getattr(self, key).data
        return raw

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.starts_at.data and self.ends_at.data and self.ends_at.data <= self.starts_at.data:
            self.ends_at.errors.append(_l("The end must come after the start."))
            ok = False
        try:
            self.rules = validate_rules(self._raw_rules(), current_app.config["LANGUAGES"])
        except RuleError as error:
            self.form_errors.append(str(error))
            ok = False
        return ok

    def fill_from(self, offer, tz: str) -> None:
        """Show a saved offer (times in the merchant's timezone)."""
        zone = ZoneInfo(tz or "UTC")
        for key in ("name", "kind", "placement", "priority", "enabled"):
            getattr(self, key).data = getattr(offer, key)
        for key in ("starts_at", "ends_at"):
            value = getattr(offer, key)
            getattr(self, key).data = value.astimezone(zone).replace(tzinfo=None) if value else None
        rules = offer.rules or {}
        self.status.data, self.locales.data = rules.get("status", []), rules.get("locales", [])
        for key in ("skus", "categories", "countries"):
            getattr(self, key).data = ", ".join(rules.get(key, []))
        self.late.data = {True: "yes", False: "no"}.get(rules.get("late"), "")
        self.customer.data = rules.get("customer", "")
        self.days_since_delivery_min.data = rules.get("days_since_delivery_min")
        self.days_since_delivery_max.data = rules.get("days_since_delivery_max")

    def apply_to(self, offer, tz: str) -> None:
        """Write the validated values onto `offer`."""
        zone = ZoneInfo(tz or "UTC")
        for key in ("name", "kind", "placement", "enabled"):
            setattr(offer, key, getattr(self, key).data)
        offer.priority = self.priority.data or 0
        for key in ("starts_at", "ends_at"):
            value = getattr(self, key).data
            setattr(offer, key, value.replace(tzinfo=zone).astimezone(timezone.utc) if value else None)
        offer.rules = self.rules


class VariantFormBase(FlaskForm):
    """A variant's fields shared by every language; per-language text is added by `variant_form`."""
    name = StringField(_l("Variant name"), validators=[DataRequired(), Length(max=40), PlainText()],
                       description=_l("Shown in the report, e.g. “A” or “Free shipping”."))
    weight = IntegerField(_l("Weight"), default=1, validators=[Optional(), NumberRange(0, 1000)],
                          description=_l("Share of shoppers, relative to the other variants; 0 pauses it."))
    image_url = StringField(_l("Image address (optional)"), validators=[Optional(), Length(max=500), HttpUrl()],
                            render_kw={"type": "url", "inputmode": "url"})
    link_url = StringField(_l("Link (optional)"), validators=[Optional(), Length(max=500), HttpUrl()],
                           render_kw={"type": "url", "inputmode": "url"})
    discount_code = StringField(_l("Discount code"), validators=[Optional(), Length(max=64), Regexp(
        r"^[A-Za-z0-9_-]+$", message=_l("Use letters, digits, - and _ only."))])

    kind: str = ""
    locale_codes: list[str] = []
    default_locale: str = "en"

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.weight.data is None:
            self.weight.errors.append(_l("Enter a weight from 0 to 1000."))
            ok = False
        if self.kind == "discount_code" and not self.discount_code.data:
            self.discount_code.errors.append(_l("A discount code offer needs a code."))
            ok = False
        default = self[f"headline_{self.default_locale}"]
        if not (default.data or "").strip():
            default.errors.append(_l("Write the headline in your default language at least."))
            ok = False
        return ok

    def text_fields(self):
        """[(locale, language name, headline, body, cta fields)] for the template."""
        return [(c, _language(c), self[f"headline_{c}"], self[f"body_{c}"], self[f"cta_{c}"])
                for c in self.locale_codes]

    def content(self) -> dict:
        """{locale: {headline, body, cta}} for the languages with a headline."""
        out = {}
        for code in self.locale_codes:
            text = {f: (self[f"{f}_{code}"].data or "").strip() for f in TEXT_LIMITS}
            if text["headline"]:
                out[code] = text
        return out

    def fill_from(self, variant) -> None:
        for key in ("name", "weight", "image_url", "link_url", "discount_code"):
            getattr(self, key).data = getattr(variant, key)
        for code, text in (variant.content or {}).items():
            for f in TEXT_LIMITS:
                if f"{f}_{code}" in self:
                    self[f"{f}_{code}"].data = text.get(f, "")

    def apply_to(self, variant) -> None:
        for key in ("name", "weight", "image_url", "link_url"):
            setattr(variant, key, getattr(self, key).data)
        variant.discount_code = self.discount_code.data or None
        variant.content = self.content()


def variant_form(kind: str, locale_codes: list[str], default_locale: str, **kwargs) -> VariantFormBase:
    """A variant form with headline, body and button text for each language the merchant offers."""
    fields = {}
    for code in locale_codes:
        language = _language(code)
        fields[f"headline_{code}"] = StringField(_l("Headline (%(language)s)", language=language),
                                                 validators=[Length(max=TEXT_LIMITS["headline"]), PlainText()])
        fields[f"body_{code}"] = TextAreaField(_l("Text (%(language)s)", language=language),
                                               validators=[Length(max=TEXT_LIMITS["body"]), PlainText()])
        fields[f"cta_{code}"] = StringField(_l("Button (%(language)s)", language=language),
                                            validators=[Length(max=TEXT_LIMITS["cta"]), PlainText()])
    form_class = type("VariantForm", (VariantFormBase,), fields)
    form = form_class(**kwargs)
    form.kind, form.locale_codes = kind, list(locale_codes)
    form.default_locale = default_locale if default_locale in locale_codes else locale_codes[0]
    return form
