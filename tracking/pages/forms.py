"""The shopper's lookup forms (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class OrderLookupForm(FlaskForm):
    order_number = StringField(_l("Order number"), validators=[DataRequired(), Length(max=64)])
    contact = StringField(
        _l("Email or postal code"), validators=[DataRequired(), Length(max=254)],
    )


class NumberLookupForm(FlaskForm):
    tracking_number = StringField(_l("Tracking number"), validators=[DataRequired(), Length(max=64)])
