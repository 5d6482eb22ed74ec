"""Support forms; Flask-WTF adds and checks the `csrf_token` of each (htmx sends it as a header)."""
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..carriers import known_carriers
from ..console.overview import STATUS_NAMES
from ..status import STATUSES, SUBSTATUSES

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REASON_MAX, NOTE_MAX = 500, 2000


def clean_text(value: str | None) -> str | None:
    """Typed text without control characters (newlines kept) and without outer spaces."""
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else value


def to_utc(local: datetime | None, zone_name: str | None) -> datetime | None:
    """A wall time typed in the merchant's timezone, as an aware UTC instant."""
    if local is None:
        return None
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    return local.replace(tzinfo=zone).astimezone(timezone.utc)


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Internal note"), filters=[clean_text],
                         validators=[DataRequired(), Length(max=NOTE_MAX)],
                         description=_l("Seen by your team only, never by the customer."))


class ResendForm(FlaskForm):
    channel = RadioField(_l("Send the tracking link by"), validators=[InputRequired()],
                         choices=[SelectChoice("email", _l("Email message")),
                                  SelectChoice("sms", _l("Text message (SMS)"))],
                         default="email")


class CarrierForm(FlaskForm):
    """Choose the right carrier; blank lets detection pick it from the number's format."""
    carrier = SelectField(_l("Carrier"), validators=[Optional()],
                          description=_l("The shipment's events are replaced by the new carrier's."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.carrier.choices = [SelectChoice("", _l("Detect from the number"))] + [
            SelectChoice(code, cls.name or code.upper()) for code, cls in sorted(known_carriers().items())]


class OverrideForm(FlaskForm):
    """Override the status and/or the delivery window, with a reason; times in the shop's zone."""
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=[SelectChoice("", _l("Keep the carrier's status"))]
                         + [SelectChoice(s, STATUS_NAMES[s]) for s in STATUSES])
    substatus = SelectField(_l("Detail"), validators=[Optional()],
                            choices=[SelectChoice("", _l("None"))]
                            + [SelectChoice(s, s.replace("_", " ")) for s in sorted(SUBSTATUSES)])
    eta_earliest = DateTimeLocalField(_l("Delivery expected from"), validators=[Optional()])
    eta_latest = DateTimeLocalField(_l("Delivery expected by"), validators=[Optional()])
    reason = TextAreaField(_l("Reason"), filters=[clean_text],
                           validators=[DataRequired(_l("Say why: the reason is kept in the audit log.")),
                                       Length(max=REASON_MAX)])

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then: something to override (Optional() stops the per-field chain)."""
        valid = super().validate(extra_validators)
        if valid and not (self.status.data or self.eta_earliest.data or self.eta_latest.data):
            self.status.errors = [_l("Choose a status or enter a delivery window.")]
            return False
        return valid

    def validate_substatus(self, field):
        if field.data and not self.status.data:
            raise ValidationError(_l("A detail needs a status."))

    def validate_eta_latest(self, field):
        if field.data and self.eta_earliest.data and field.data < self.eta_earliest.data:
            raise ValidationError(_l("The end of the window is before its start."))
