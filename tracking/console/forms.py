"""Console forms; Flask-WTF adds and checks the `csrf_token` field of each."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from .passwords import MAX_LENGTH, MIN_LENGTH, password_problem


class LoginForm(FlaskForm):
    """Sign-in; field names are a contract (`email`, `password`, `csrf_token`)."""
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class StrongPassword:
    """WTForms validator for passwords.password_problem; reads the owner's email from the form."""

    def __call__(self, form, field):
        problem = password_problem(field.data or "", getattr(form, "account_email", None))
        if problem:
            raise ValidationError(str(problem))


class NewPasswordForm(FlaskForm):
    """Choose a new password; set `account_email` before validating so it can be refused."""
    password = PasswordField(_l("New password"), validators=[DataRequired(), StrongPassword()],
                             description=_l("At least %(num)d characters.", num=MIN_LENGTH))
    confirm = PasswordField(_l("New password, again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))])

    account_email: str | None = None


class PostForm(FlaskForm):
    """A bare form for buttons that POST (sign out, delete...): the CSRF token and nothing else."""
