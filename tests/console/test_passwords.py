"""The password policy and the stored hash."""
import pytest

from tracking.console.passwords import MIN_LENGTH, password_problem
from tracking.models import User


@pytest.mark.parametrize("password", [
    "correct horse battery staple", "Tr0ub4dor&3xyz", "mug-lamp-river-quiet", "パスワードは長い文字列です",
])
def test_good_passwords(password):
    assert password_problem(password, "someone@shop.test") is None


@pytest.mark.parametrize("password", [
    "password123", "Password2024!", "1234567890", "qwertyuiop", "QWERTY123456", "iloveyou!!!!",
    "abcdefghij", "9876543210", "zzzzzzzzzzzz", "abababababab", "1q2w3e4r5t", "letmein12345",
])
def test_common_passwords_are_refused(password):
    assert "too easy" in str(password_problem(password))


def test_length_limits():
    assert "at least" in str(password_problem("x7#Kp2!"))
    assert password_problem("a" * (MIN_LENGTH - 1) + "b") is not None
    assert "at most" in str(password_problem("long words " * 200))


def test_the_users_own_email_is_refused():
    assert "email" in str(password_problem("jane.doe@shop.test", "jane.doe@shop.test"))
    assert "email" in str(password_problem("jane.doe-rocks-2024", "Jane.Doe@shop.test"))
    assert password_problem("jane.doe-rocks-2024", "al@shop.test") is None


def test_hashes_are_argon2id_salted_and_verify(app):
    first, second = User(email="a@b.test"), User(email="c@d.test")
    first.set_password("correct horse battery staple")
    second.set_password("correct horse battery staple")
    assert first.password_hash.startswith("$argon2id$") and first.password_hash != second.password_hash
    assert first.check_password("correct horse battery staple")
    assert not first.check_password("correct horse battery stapl")
    assert not User(email="e@f.test", password_hash="not a hash").check_password("x")


def test_a_weaker_hash_is_upgraded_at_the_next_check(app):
    user = User(email="a@b.test")
    app.config["PASSWORD_HASH_PARAMS"] = {"memory_cost": 1024, "time_cost": 1, "parallelism": 1}
    user.set_password("correct horse battery staple")
    weak = user.password_hash
    app.config["PASSWORD_HASH_PARAMS"] = {"memory_cost": 2048, "time_cost": 2, "parallelism": 1}
    assert user.check_password("correct horse battery staple")
    assert user.password_hash != weak and "m=2048,t=2" in user.password_hash


def test_emails_are_stored_lower_case_and_roles_checked(app):
    assert User(email="  Mixed@Case.TEST ").email == "mixed@case.test"
    with pytest.raises(ValueError):
        User(email="a@b.test", role="root")
