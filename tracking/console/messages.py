"""Console: the SMS and email texts that carry the tracking link, per language, with a live preview.

Saving checks everything first (placeholders, the link, length, subject) and writes nothing when
anything is wrong. The preview fills the unsaved text for the merchant's latest shipment (or the
branding editor's sample one) through tracking.messages, the same code that sends it.
"""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import StringField, TextAreaField

from ..extensions import db, htmx
from ..messages import CHANNELS
from ..messages.defaults import default_texts
from ..messages.placeholders import PLACEHOLDERS
from ..messages.render import fill_message, saved_template
from ..messages.rules import MAX_SMS_SEGMENTS, SUBJECT_MAX, template_problems
from ..messages.segments import measure
from ..models import MessageTemplate
from ..models.types import utcnow
from ..pages.branding import offered_locales
from .access import MANAGERS, current_merchant, login_required_role, scoped
from .blueprint import bp
from .branding import preview_shipment
from .forms import PostForm

CHANNEL_NAMES = {"sms": _l("SMS"), "email": _l("Email message")}  # not "Email": that is an address
CHANNEL_RULE = "/messages/<any(" + ", ".join(CHANNELS) + "):channel>/<locale>"


class MessageForm(FlaskForm):
    """One template's text; the subject only for email (removed for SMS)."""
    subject = StringField(_l("Subject"), description=_l(
        "One line, at most %(num)d characters. Placeholders work here too.", num=SUBJECT_MAX))
    body = TextAreaField(_l("Message"), description=_l(
        "Plain text. Placeholders in braces, such as {shop_name}, are replaced for each "
        "customer; {tracking_link} is required."))

    def __init__(self, channel: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        if channel != "email":
            del self.subject

    def texts(self) -> tuple[str | None, str]:
        """(subject, body) as typed, with Windows line ends made plain and outer spaces trimmed."""
        subject = (self.subject.data or "").strip() if "subject" in self else None
        return subject, (self.body.data or "").replace("\r\n", "\n").strip()

    def check(self, merchant) -> bool:
        """CSRF and the template rules; each problem lands on its field's errors."""
        ok = self.validate()
        subject, body = self.texts()
        for name, errors in template_problems(self.channel, subject, body, merchant).items():
            self[name].errors = [*self[name].errors, *errors]
            ok = False
        return ok


def _locale_or_404(merchant, locale: str) -> str:
    if locale not in offered_locales(merchant, current_app.config["LANGUAGES"]):
        abort(404)
    return locale


def _preview(merchant, channel: str, locale: str, form: MessageForm) -> dict:
    """What the preview partial shows: the filled message, or the problems that stop it."""
    subject, body = form.texts()
    found = template_problems(channel, subject, body, merchant)
    problems = [error for field in ("subject", "body") for error in found.get(field, [])]
    message = None if problems else fill_message(preview_shipment(merchant), channel, locale,
                                                 subject, body)
    length = measure(message.body) if message and channel == "sms" else None
    return {"message": message, "problems": problems, "length": length, "channel": channel,
            "max_segments": MAX_SMS_SEGMENTS}


def _page(form: MessageForm, merchant, channel: str, locale: str, status: int = 200):
    context = {
        "form": form, "channel": channel, "locale": locale, "channel_names": CHANNEL_NAMES,
        "placeholders": PLACEHOLDERS, "saved": saved_template(merchant.id, channel, locale),
        "post_form": PostForm(), **_preview(merchant, channel, locale, form),
    }
    return render_template("console/messages.html", **context), status


@bp.get("/messages")
@login_required_role(*MANAGERS)
def messages():
    """Every channel in every language the merchant offers, default or customised."""
    merchant = current_merchant()
    saved = {(t.channel, t.locale): t for t in db.session.scalars(scoped(select(MessageTemplate)))}
    return render_template("console/messages.html", merchant=merchant, channels=CHANNELS,
                           channel_names=CHANNEL_NAMES, saved=saved, form=None,
                           locales=offered_locales(merchant, current_app.config["LANGUAGES"]))


@bp.get(CHANNEL_RULE)
@login_required_role(*MANAGERS)
def edit_message(channel: str, locale: str):
    """The editor for one (channel, language): the saved text, else the built-in one."""
    merchant = current_merchant()
    _locale_or_404(merchant, locale)
    saved = saved_template(merchant.id, channel, locale)
    form = MessageForm(channel)
    subject, body = (saved.subject, saved.body) if saved else default_texts(channel, locale)
    if "subject" in form:
        form.subject.data = subject
    form.body.data = body
    return _page(form, merchant, channel, locale)


@bp.post(CHANNEL_RULE)
@login_required_role(*MANAGERS)
def save_message(channel: str, locale: str):
    """Save the text, or nothing: problems are shown on their fields (422)."""
    merchant = current_merchant()
    _locale_or_404(merchant, locale)
    form = MessageForm(channel)
    if not form.check(merchant):
        return _page(form, merchant, channel, locale, status=422)
    subject, body = form.texts()
    if (subject, body) == default_texts(channel, locale):
        _forget(merchant.id, channel, locale)
        flash(_l("This is the built-in text, so the default is used (and follows its translations)."),
              "success")
        return redirect(url_for("console.messages"))
    try:
        _store(merchant.id, channel, locale, subject, body)
    except IntegrityError:  # saved at the same moment in another tab: update that row instead
        db.session.rollback()
        _store(merchant.id, channel, locale, subject, body)
    flash(_l("Message saved. It is used for every %(channel)s in this language from now on.",
             channel=CHANNEL_NAMES[channel]), "success")
    return redirect(url_for("console.messages"))


def _store(merchant_id: int, channel: str, locale: str, subject: str | None, body: str) -> None:
    template = saved_template(merchant_id, channel, locale)
    if template is None:
        template = MessageTemplate(merchant_id=merchant_id, channel=channel, locale=locale)
        db.session.add(template)
    template.subject, template.body, template.updated_at = subject, body, utcnow()
    db.session.commit()


def _forget(merchant_id: int, channel: str, locale: str) -> None:
    template = saved_template(merchant_id, channel, locale)
    if template is not None:
        db.session.delete(template)
        db.session.commit()


@bp.post(CHANNEL_RULE + "/preview")
@login_required_role(*MANAGERS)
def preview_message(channel: str, locale: str):
    """htmx: the preview, SMS length and problems for the text in the form, saved or not."""
    merchant = current_merchant()
    _locale_or_404(merchant, locale)
    context = _preview(merchant, channel, locale, MessageForm(channel))
    return render_template("console/_message_preview.html", live=bool(htmx), **context)


@bp.post(CHANNEL_RULE + "/reset")
@login_required_role(*MANAGERS)
def reset_message(channel: str, locale: str):
    """Drop the merchant's text for (channel, language): the built-in one is used again."""
    merchant = current_merchant()
    _locale_or_404(merchant, locale)
    if not PostForm().validate_on_submit():
        abort(400)
    _forget(merchant.id, channel, locale)
    flash(_l("The built-in text is used again."), "success")
    return redirect(url_for("console.edit_message", channel=channel, locale=locale))
