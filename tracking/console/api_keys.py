"""Console: the merchant's API keys — list, create (the key shown once), revoke."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..models import ApiKey
from ..models.types import utcnow
from .access import MANAGERS, current_merchant, login_required_role, own_or_404, scoped
from .blueprint import bp
from .forms import PostForm


class NewKeyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("Where the key is used, e.g. “Shop checkout”."))


def _keys_page(form: NewKeyForm, status: int = 200):
    keys = db.session.scalars(scoped(select(ApiKey).order_by(
        ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc()))).all()
    return render_template("console/api_keys.html", keys=keys, form=form,
                           revoke_form=PostForm()), status


@bp.get("/api-keys")
@login_required_role(*MANAGERS)
def api_keys():
    """The merchant's keys, newest first, revoked ones last; a form to create one."""
    return _keys_page(NewKeyForm())


@bp.post("/api-keys")
@login_required_role(*MANAGERS)
def create_api_key():
    """Issue a key and show it this once (the page is not cached; only its hash is stored)."""
    form = NewKeyForm()
    if not form.validate_on_submit():
        return _keys_page(form, 422)
    key, raw = ApiKey.issue(current_merchant(), form.name.data.strip())
    db.session.commit()
    return render_template("console/api_key_created.html", key=key, raw=raw)


@bp.post("/api-keys/<int:key_id>/revoke")
@login_required_role(*MANAGERS)
def revoke_api_key(key_id: int):
    """Revoke a key: requests carrying it are refused from now on."""
    if not PostForm().validate_on_submit():
        abort(400)
    key = own_or_404(ApiKey, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.commit()
        flash(_("The key “%(name)s” is revoked.", name=key.name), "success")
    return redirect(url_for("console.api_keys"))
