"""Signing in and out, password resets by emailed link, and Flask-Login's wiring."""
import hmac
from urllib.parse import urlsplit

from flask import (current_app, flash, make_response, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select

from ..extensions import db, limiter, login as login_manager
from ..models import User
from ..models.types import utcnow
from ..models.user import spend_a_password_check
from .. import mail
from .blueprint import bp
from .forms import LoginForm, NewPasswordForm, PostForm, ResetRequestForm

RESET_SALT = "console.password-reset"
# Endpoints open to anonymous visitors; everything else under /console/ needs a signed-in user.
PUBLIC_ENDPOINTS = ("login", "logout", "reset_request", "reset_password")


def setup_login_manager() -> None:
    """Point Flask-Login at our loader, sign-in page and unauthorized answer."""
    login_manager.login_view = "console.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)


def load_user(session_id: str) -> User | None:
    """The user behind a session: gone, deactivated or password changed since -> nobody."""
    ident, _sep, stamp = session_id.partition(":")
    user = db.session.get(User, int(ident)) if ident.isdigit() else None
    if user is None or not user.active \
            or not hmac.compare_digest(stamp, user.credential_stamp("session")):
        return None
    return user


def unauthorized():
    """To the sign-in page, coming back here afterwards; htmx gets a 401 and HX-Redirect."""
    here = request.script_root + request.full_path.rstrip("?")
    target = url_for("console.login", next=here)
    if request.headers.get("HX-Request"):
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: no open redirects via ?next=."""
    if not target or len(target) > 2048 or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read "/\evil.test" as "//evil.test" and drop tabs and newlines inside URLs.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _email_key() -> str:
    return "email:" + (request.form.get("email") or "").strip().lower()[:254]


def _failed(response) -> bool:
    """Only failures count against the limits: a successful sign-in redirects."""
    return response.status_code != 302


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=get_remote_address, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, key_func=_email_key, methods=["POST"], deduct_when=_failed)
def login():
    """Sign in with email and password; unknown email and wrong password read the same."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("console.index"))
    form, failed = LoginForm(), False
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
        if user is None:
            spend_a_password_check(form.password.data)
        elif user.check_password(form.password.data) and user.active:
            session.clear()  # nothing planted in the session before sign-in survives it
            login_user(user)
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME without use
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(next_url or url_for("console.index"))
        failed = True
    return render_template("console/login.html", form=form, failed=failed)


@bp.post("/logout")
def logout():
    """Sign out (POST with the CSRF token, so no other site can sign a user out)."""
    if PostForm().validate_on_submit():
        logout_user()
        session.clear()
        flash(_("You have signed out."), "info")
    return redirect(url_for("console.login"))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=RESET_SALT)


def make_reset_token(user: User) -> str:
    """A signed, timed link token bound to the current password: a new password voids it."""
    return _serializer().dumps({"u": user.id, "s": user.credential_stamp("reset")})


def user_for_reset_token(token: str) -> User | None:
    """The active user a valid, unexpired, unused token names, else None."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.active \
            or not hmac.compare_digest(str(data.get("s")), user.credential_stamp("reset")):
        return None
    return user


def send_reset_link(user: User) -> None:
    """Email the user a reset link on PUBLIC_BASE_URL (never on the Host the request named)."""
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") \
        + url_for("console.reset_password", token=make_reset_token(user))
    minutes = max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
    body = _("Hello %(name)s,\n\nSomeone, we hope you, asked to reset the password of your "
             "%(merchant)s console account. To choose a new password, open this link within "
             "%(minutes)d minutes. It works once.\n\n%(link)s\n\nIf you did not ask for this, "
             "ignore this message: your password stays as it is.",
             name=user.display_name, merchant=user.merchant.name, minutes=minutes, link=link)
    mail.send(user.email, _("Reset your console password"), body)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_reset_limit, key_func=get_remote_address, methods=["POST"])
@limiter.limit(_reset_limit, key_func=_email_key, methods=["POST"])
def reset_request():
    """Ask for a reset link; the answer is the same whether or not the email has an account."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
        if user is not None and user.active:
            send_reset_link(user)
        return render_template("console/reset_request.html", form=None, sent=True)
    return render_template("console/reset_request.html", form=form, sent=False)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password with a link from the reset email."""
    user = user_for_reset_token(token)
    if user is None:
        response = make_response(render_template("console/reset_password.html", form=None), 400)
    else:
        form = NewPasswordForm()
        form.account_email = user.email
        if form.validate_on_submit():
            user.set_password(form.password.data)
            db.session.commit()
            session.clear()
            flash(_("Your password has been changed. Sign in with the new one."), "success")
            return redirect(url_for("console.login"))
        response = make_response(render_template("console/reset_password.html", form=form))
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in this page's URL
    return response
