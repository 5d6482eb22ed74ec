"""Console: outbound webhook endpoints (add, disable/enable, rotate the secret) and their log."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, StringField, URLField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from .. import outbound
from ..extensions import db
from .access import MANAGERS, current_merchant, login_required_role
from .blueprint import bp
from .forms import PostForm

# The console's (translated) words for each event type; the API's English ones are the fallback.
EVENT_LABELS = {
    "shipment.status_changed": _l("Any change of a shipment's status"),
    "shipment.delivered": _l("A shipment was delivered"),
    "shipment.exception": _l("A shipment has a problem (held, damaged, lost, refused, returning...)"),
}
STATUS_LABELS = {"pending": _l("Pending"), "succeeded": _l("Succeeded"),
                 "failed": _l("Failed, will retry"), "dead": _l("Gave up")}


def event_label(event_type: str) -> str:
    return EVENT_LABELS.get(event_type) or outbound.EVENT_DESCRIPTIONS.get(event_type, event_type)


class EndpointForm(FlaskForm):
    url = URLField(_l("URL"), validators=[DataRequired(), Length(max=2000)],
                   description=_l("An https address on the public internet."))
    events = SelectMultipleField(
        _l("Events"), choices=[SelectChoice(e, e) for e in outbound.EVENT_TYPES],
        default=list(outbound.EVENT_TYPES),
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    description = StringField(_l("Description (optional)"), validators=[Length(max=200)])


def _page(form: EndpointForm, status: int = 200):
    merchant = current_merchant()
    return render_template(
        "console/webhooks.html", form=form, post_form=PostForm(),
        endpoints=outbound.endpoints_of(merchant), deliveries=outbound.delivery_log(merchant),
        event_label=event_label, status_labels=STATUS_LABELS), status


def _endpoint_or_404(endpoint_id: int):
    endpoint = outbound.get_endpoint(current_merchant(), endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


def _checked_post() -> None:
    if not PostForm().validate_on_submit():
        abort(400)


@bp.get("/webhooks")
@login_required_role(*MANAGERS)
def webhooks():
    """Endpoints, a form to add one, and the latest deliveries."""
    return _page(EndpointForm())


@bp.post("/webhooks")
@login_required_role(*MANAGERS)
def create_webhook():
    """Register an endpoint and show its signing secret this once."""
    form = EndpointForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        endpoint = outbound.register_endpoint(current_merchant(), form.url.data, form.events.data,
                                              form.description.data or "")
    except ValueError as error:  # RefusedURL is one
        db.session.rollback()
        form.url.errors = [str(error)]
        return _page(form, 422)
    db.session.commit()
    return render_template("console/webhook_secret.html", endpoint=endpoint, secret=endpoint.secret,
                           rotated=False)


@bp.post("/webhooks/<int:endpoint_id>/rotate")
@login_required_role(*MANAGERS)
def rotate_webhook_secret(endpoint_id: int):
    """A new secret, shown once; the old one keeps signing for a day."""
    _checked_post()
    endpoint = _endpoint_or_404(endpoint_id)
    secret = outbound.rotate_secret(endpoint)
    db.session.commit()
    return render_template("console/webhook_secret.html", endpoint=endpoint, secret=secret,
                           rotated=True)


@bp.post("/webhooks/<int:endpoint_id>/disable")
@login_required_role(*MANAGERS)
def disable_webhook(endpoint_id: int):
    _checked_post()
    outbound.disable(_endpoint_or_404(endpoint_id))
    db.session.commit()
    flash(_("The endpoint is disabled."), "success")
    return redirect(url_for("console.webhooks"))


@bp.post("/webhooks/<int:endpoint_id>/enable")
@login_required_role(*MANAGERS)
def enable_webhook(endpoint_id: int):
    _checked_post()
    endpoint = _endpoint_or_404(endpoint_id)
    try:
        outbound.enable(endpoint)
    except ValueError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The endpoint is enabled."), "success")
    return redirect(url_for("console.webhooks"))


@bp.post("/webhooks/deliveries/<int:delivery_id>/replay")
@login_required_role(*MANAGERS)
def replay_webhook(delivery_id: int):
    """Send a delivery's message again (a new chain, due now)."""
    _checked_post()
    merchant = current_merchant()
    delivery = outbound.get_delivery(merchant, delivery_id)
    if delivery is None:
        abort(404)
    try:
        outbound.replay(delivery, merchant=merchant)
    except LookupError:
        abort(404)
    except ValueError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The message will be sent again shortly."), "success")
    return redirect(url_for("console.webhooks"))
