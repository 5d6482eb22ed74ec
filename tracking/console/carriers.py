"""Console: the merchant's own carrier credentials, sealed at rest, used by the poller."""
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import Length, Optional, ValidationError

from .. import secrets_box
from ..carriers.registry import instance_settings, known_carriers
from ..extensions import db
from ..models import CarrierAccount
from ..outbound import ssrf
from .access import MANAGERS, current_merchant_id, login_required_role, scoped
from .blueprint import bp
from .forms import PostForm

LABELS = {"client_id": _l("Client ID"), "client_secret": _l("Client secret"),
          "api_key": _l("API key"), "base_url": _l("API address")}
SECRET_NAMES = ("secret", "key", "password", "token")


def mask(value: str | None) -> str:
    """Only the last four characters of a credential are ever shown back."""
    value = value or ""
    return "••••" + value[-4:] if len(value) > 4 else "••••"


def _adapters() -> dict:
    """Installed carriers that take credentials (the simulated carrier takes none)."""
    return {code: cls for code, cls in sorted(known_carriers().items()) if cls.required_settings}


def _check_base_url(form, field):
    """An https origin on the public internet: the worker sends credentials there."""
    url = (field.data or "").strip()
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.path.strip("/") or parts.query:
        raise ValidationError(_("Enter only https:// and the host name, e.g. https://wwwcie.ups.com."))
    try:
        ssrf.check_url(url, allow_http=False, allow_private=False)
    except ssrf.RefusedURL:
        raise ValidationError(_("This address cannot be used: it must be a public internet host."))


def account_form(adapter_cls, account: CarrierAccount | None) -> FlaskForm:
    """A form with one field per required setting, plus the optional API address.

    With an account already stored, a blank field keeps the stored value.
    """
    keep = account is not None
    hint = _l("Leave blank to keep the stored value.") if keep else None

    class AccountForm(FlaskForm):
        base_url = StringField(LABELS["base_url"],
                               validators=[Optional(), Length(max=200), _check_base_url],
                               description=_l("Optional: a sandbox, e.g. https://wwwcie.ups.com."))

    for name in adapter_cls.required_settings:
        field_type = PasswordField if any(s in name for s in SECRET_NAMES) else StringField
        setattr(AccountForm, name, field_type(LABELS.get(name, name), description=hint,
                                              validators=[Length(max=500)]))
    form = AccountForm()
    form.setting_names = adapter_cls.required_settings
    return form


def _account(code: str) -> CarrierAccount | None:
    return db.session.scalars(scoped(select(CarrierAccount).filter_by(carrier=code))).one_or_none()


def _stored(account: CarrierAccount | None) -> dict:
    if account is None:
        return {}
    try:
        return account.settings
    except (secrets_box.NoKeyConfigured, secrets_box.InvalidToken):
        return {"_unreadable": True}


@bp.get("/carriers")
@login_required_role(*MANAGERS)
def carriers():
    """Each carrier: the merchant's own account (masked) or this server's."""
    accounts = {a.carrier: a for a in db.session.scalars(scoped(select(CarrierAccount)))}
    rows = []
    for code, cls in _adapters().items():
        account = accounts.get(code)
        stored = _stored(account)
        rows.append({"code": code, "name": cls.name, "account": account,
                     "unreadable": stored.get("_unreadable", False),
                     "shown": [(LABELS.get(n, n), mask(stored.get(n))) for n in cls.required_settings],
                     "base_url": stored.get("base_url"),
                     "instance": all(instance_settings(code).get(n) for n in cls.required_settings)})
    return render_template("console/carriers.html", rows=rows, can_store=secrets_box.available())


@bp.route("/carriers/<code>", methods=["GET", "POST"])
@login_required_role(*MANAGERS)
def carrier_account(code: str):
    """Enter or replace the merchant's credentials for one carrier."""
    cls = _adapters().get(code) or abort(404)
    account = _account(code)
    form = account_form(cls, account)
    can_store = secrets_box.available()
    if form.is_submitted() and not can_store:  # the page says why, in an alert
        return render_template("console/carrier_account.html", form=form, cls=cls, code=code,
                               account=account, can_store=False), 503
    if form.validate_on_submit():
        stored = _stored(account)
        settings = {n: (form[n].data or "").strip() or stored.get(n, "") for n in cls.required_settings}
        missing = [n for n, v in settings.items() if not v]
        for name in missing:
            form[name].errors = [_("This field is required.")]
        if not missing:
            if form.base_url.data:
                settings["base_url"] = form.base_url.data.strip().rstrip("/")
            if account is None:
                account = CarrierAccount(merchant_id=current_merchant_id(), carrier=code)
                db.session.add(account)
            account.settings = settings
            db.session.commit()
            flash(_("Your %(carrier)s account is saved; the next polls use it.", carrier=cls.name),
                  "success")
            return redirect(url_for("console.carriers"))
    elif not form.is_submitted() and account is not None:
        form.base_url.data = _stored(account).get("base_url")
    status = 422 if form.is_submitted() else 200
    return render_template("console/carrier_account.html", form=form, cls=cls, code=code,
                           account=account, can_store=can_store), status


@bp.post("/carriers/<code>/delete")
@login_required_role(*MANAGERS)
def delete_carrier_account(code: str):
    """Forget the merchant's credentials: this server's account (if any) is used again."""
    if not PostForm().validate_on_submit():
        abort(400)
    account = _account(code) or abort(404)
    name = known_carriers()[code].name if code in known_carriers() else code
    db.session.delete(account)
    db.session.commit()
    flash(_("Your %(carrier)s account is removed.", carrier=name), "success")
    return redirect(url_for("console.carriers"))
