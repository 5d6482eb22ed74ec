"""Console fixtures: users of a merchant, and clients signed in as them.

Other test folders (tests/support/, ...) can reuse them from their own conftest.py:
    from tests.console.conftest import PASSWORD, make_user, logged_in, console_client  # noqa: F401
"""
import itertools
import re

import pytest

from tracking.extensions import db
from tracking.models import User

PASSWORD = "correct horse battery staple"
# argon2 at its cheapest: the tests exercise verification, not its cost (PASSWORD_HASH_PARAMS
# keeps the production default). Stored hashes verify with the cost they were made with.
FAST_HASH = {"memory_cost": 1024, "time_cost": 1, "parallelism": 1}
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@pytest.fixture(autouse=True)
def fast_password_hashing(request):
    """Cheap hashing in every test that has an app (tests without one stay unparametrized)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["PASSWORD_HASH_PARAMS"] = FAST_HASH


def csrf_token(client, url: str = "/console/login") -> str:
    """The CSRF token of the form at `url` (the session keeps it for the next POST)."""
    match = CSRF_INPUT.search(client.get(url).get_data(as_text=True))
    assert match, f"no csrf_token field on {url}"
    return match.group(1) or match.group(2)


@pytest.fixture
def make_user(app):
    """make_user(merchant, role="owner", email=None, password=PASSWORD, name=None, active=True)."""
    app.config["PASSWORD_HASH_PARAMS"] = FAST_HASH
    numbers = itertools.count(1)

    def make(merchant, role: str = "owner", email: str | None = None, password: str = PASSWORD,
             name: str | None = None, active: bool = True) -> User:
        user = User(merchant=merchant, role=role, active=active,
                    email=email or f"{role}{next(numbers)}@{merchant.slug}.test",
                    name=role.title() if name is None else name)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user
    return make


def sign_in(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    """POST the sign-in form (with its CSRF token when the app checks them); the response."""
    data = {"email": email, "password": password}
    if client.application.config.get("WTF_CSRF_ENABLED", True):
        data["csrf_token"] = csrf_token(client)
    url = "/console/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data=data)


@pytest.fixture
def logged_in():
    """logged_in(client, user, password=PASSWORD) signs `client` in as `user` and returns it."""
    def log_in(client, user: User, password: str = PASSWORD):
        response = sign_in(client, user.email, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client
    return log_in


@pytest.fixture
def console_client(app, logged_in):
    """console_client(user): a fresh test client signed in as `user`."""
    def make(user: User):
        return logged_in(app.test_client(), user)
    return make


@pytest.fixture
def owner(merchant, make_user):
    return make_user(merchant, "owner", email="owner@acme.test", name="Olive Owner")


@pytest.fixture
def admin(merchant, make_user):
    return make_user(merchant, "admin", email="admin@acme.test", name="Adam Admin")


@pytest.fixture
def agent(merchant, make_user):
    return make_user(merchant, "agent", email="agent@acme.test", name="Agnes Agent")
