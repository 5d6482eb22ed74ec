"""flask create-user: a console account from the command line, password from stdin."""
import pytest
from sqlalchemy import func, select

from tests.console.conftest import sign_in
from tracking.extensions import db
from tracking.models import User

GOOD = "plenty of entropy here"


def create(runner, *extra, email="Ann@Acme.test", role="admin", password=GOOD + "\n"):
    args = ["create-user", "--merchant", "acme", "--email", email, "--role", role, *extra]
    return runner.invoke(args=args, input=password)


def users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_creates_a_user_who_can_sign_in(runner, client, merchant):
    result = create(runner, "--name", "Ann Admin")
    assert result.exit_code == 0, result.output
    assert "created admin ann@acme.test" in result.output and GOOD not in result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.name, user.merchant_id, user.active) == (
        "ann@acme.test", "admin", "Ann Admin", merchant.id, True)
    assert user.password_hash.startswith("$argon2id$") and GOOD not in user.password_hash
    assert sign_in(client, "ann@acme.test", GOOD).status_code == 302


def test_only_the_line_ending_is_stripped_from_the_password(runner, client, merchant):
    assert create(runner, password="  spaced passphrase  \r\nsecond line\n").exit_code == 0
    assert sign_in(client, "ann@acme.test", "  spaced passphrase  ").status_code == 302


@pytest.mark.parametrize("role", ["owner", "admin", "agent"])
def test_each_role(runner, merchant, role):
    assert create(runner, role=role).exit_code == 0
    assert db.session.scalar(select(User.role)) == role


def test_unknown_merchant(runner, merchant):
    result = runner.invoke(args=["create-user", "--merchant", "nobody", "--email", "a@b.test",
                                 "--role", "owner"], input=GOOD + "\n")
    assert result.exit_code == 1 and "no merchant with slug 'nobody'" in result.output
    assert users() == 0


def test_duplicate_email_whatever_its_case(runner, merchant, make_merchant):
    assert create(runner).exit_code == 0
    make_merchant("other")
    result = runner.invoke(args=["create-user", "--merchant", "other", "--email", "ANN@acme.test",
                                 "--role", "owner"], input=GOOD + "\n")
    assert result.exit_code == 1 and "exists already" in result.output
    assert users() == 1


@pytest.mark.parametrize("password, reason", [
    ("short", "at least 10 characters"),
    ("password1234", "too easy to guess"),
    ("qwertyuiop", "too easy to guess"),
    ("aaaaaaaaaaaa", "too easy to guess"),
    ("ann@acme.test", "must not contain your email"),
    ("", "no password given"),
])
def test_weak_or_missing_passwords_are_refused(runner, merchant, password, reason):
    result = create(runner, password=password + "\n")
    assert result.exit_code == 1 and reason in result.output, result.output
    assert users() == 0


def test_nothing_on_stdin(runner, merchant):
    result = create(runner, password="")
    assert result.exit_code == 1 and "no password given" in result.output


@pytest.mark.parametrize("args, hint", [
    (("--role", "superuser"), "--role"),
    (("--email", "not-an-email"), "--email"),
])
def test_bad_options(runner, merchant, args, hint):
    base = {"--merchant": "acme", "--email": "a@acme.test", "--role": "owner"}
    base.update(dict([args]))
    result = runner.invoke(args=["create-user", *[x for pair in base.items() for x in pair]],
                           input=GOOD + "\n")
    assert result.exit_code == 2 and hint in result.output
    assert users() == 0


def test_required_options(runner, merchant):
    result = runner.invoke(args=["create-user", "--merchant", "acme"], input=GOOD + "\n")
    assert result.exit_code == 2 and "Missing option" in result.output
