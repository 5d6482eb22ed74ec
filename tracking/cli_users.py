"""`flask --app wsgi create-user`: a console account for a merchant, password from stdin."""
import re
import sys

import click
from sqlalchemy import select

from .console.passwords import password_problem
from .extensions import db
from .models import Merchant, User
from .models.user import ROLES

# Deliberately loose: the mailbox is the proof; this only catches typos like a missing "@".
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _read_password() -> str:
    """From a terminal, a hidden prompt typed twice; from a pipe, the first line of stdin."""
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


@click.command("create-user")
@click.option("--merchant", "slug", required=True, help="The merchant's slug.")
@click.option("--email", required=True, help="Sign-in email (stored lower-case).")
@click.option("--role", required=True, type=click.Choice(ROLES),
              help="owner: everything; admin: settings and team; agent: day-to-day support.")
@click.option("--name", default="", help="Display name.")
def create_user(slug: str, email: str, role: str, name: str) -> None:
    """Create a console user; the password is read from stdin (a hidden prompt on a terminal)."""
    email = email.strip().lower()
    if not EMAIL.fullmatch(email) or len(email) > 254:
        raise click.BadParameter(f"{email!r} is not an email address", param_hint="--email")
    merchant = db.session.scalar(select(Merchant).filter_by(slug=slug))
    if merchant is None:
        raise click.ClickException(f"no merchant with slug {slug!r}")
    if db.session.scalar(select(User.id).filter_by(email=email)) is not None:
        raise click.ClickException(f"a user with email {email} exists already")
    password = _read_password()
    if not password:
        raise click.ClickException("no password given: pipe it to stdin, e.g. `... < password.txt`")
    problem = password_problem(password, email)
    if problem:
        raise click.ClickException(f"weak password: {problem}")
    user = User(merchant=merchant, email=email, name=name.strip(), role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {role} {email} for merchant {slug}")
