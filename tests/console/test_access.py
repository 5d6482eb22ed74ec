"""Roles and merchant scoping: who may open what, and no merchant ever sees another's rows."""
import pytest
from flask import Blueprint
from flask_login import login_user
from sqlalchemy import select

from tracking.console.access import (MANAGERS, current_merchant, guard_blueprint,
                                     login_required_role, own_or_404, scoped)
from tracking.extensions import db
from tracking.models import LineItem, Merchant, Shipment, User
from werkzeug.exceptions import NotFound, Unauthorized


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client):
    response = client.get("/console/team?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login?next=/console/team?page%3D2"


def test_anonymous_htmx_requests_get_401_and_a_redirect_header(client):
    response = client.get("/console/team", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/console/login?next=")


@pytest.mark.parametrize("role, status", [("owner", 200), ("admin", 200), ("agent", 403)])
def test_team_page_is_for_owners_and_admins(merchant, make_user, console_client, role, status):
    client = console_client(make_user(merchant, role))
    response = client.get("/console/team")
    assert response.status_code == status
    if status == 403:
        page = response.get_data(as_text=True)
        assert "You cannot open this page" in page and "console.css" in page


def test_the_menu_shows_only_what_the_role_may_open(merchant, owner, agent, console_client):
    assert 'href="/console/team"' in console_client(owner).get("/console/").get_data(as_text=True)
    assert 'href="/console/team"' not in console_client(agent).get("/console/").get_data(as_text=True)


def test_team_lists_only_the_merchants_own_users(merchant, make_merchant, make_user, owner, agent,
                                                console_client):
    other = make_merchant("rival", name="Rival Shop")
    make_user(other, "owner", email="boss@rival.test", name="Rival Boss")
    make_user(other, "agent", email="helper@rival.test")
    page = console_client(owner).get("/console/team").get_data(as_text=True)
    assert "owner@acme.test" in page and "agent@acme.test" in page
    assert "rival.test" not in page and "Rival" not in page
    rival_page = console_client(db.session.scalar(select(User).filter_by(email="boss@rival.test"))) \
        .get("/console/team").get_data(as_text=True)
    assert "boss@rival.test" in rival_page and "acme.test" not in rival_page


@pytest.fixture
def as_user(app):
    """Run code inside a request where `user` is signed in."""
    def enter(user):
        context = app.test_request_context("/console/")
        context.push()
        login_user(user)
        return context
    return enter


def test_scoped_adds_the_merchant_filter_for_every_selected_entity(merchant, make_merchant,
                                                                 make_user, make_shipment, as_user):
    rival = make_merchant("rival")
    mine = make_shipment(merchant, number="DEMOONTIME1")
    make_shipment(rival, number="DEMOONTIME2")
    context = as_user(make_user(merchant, "agent"))
    try:
        assert db.session.scalars(scoped(select(Shipment))).all() == [mine]
        rows = db.session.execute(scoped(select(User.email, Shipment.id).join(
            Shipment, Shipment.merchant_id == User.merchant_id), User, Shipment)).all()
        assert {row.id for row in rows} == {mine.id}
    finally:
        context.pop()


def test_own_or_404_treats_another_merchants_row_as_missing(merchant, make_merchant, make_user,
                                                            make_shipment, as_user):
    rival = make_merchant("rival")
    theirs = make_shipment(rival, number="DEMOONTIME2")
    mine = make_shipment(merchant, number="DEMOONTIME1")
    context = as_user(make_user(merchant, "owner"))
    try:
        assert own_or_404(Shipment, mine.id) is mine
        assert own_or_404(Shipment, public_token=mine.public_token) is mine
        assert current_merchant() == merchant
        with pytest.raises(NotFound):
            own_or_404(Shipment, theirs.id)
        with pytest.raises(NotFound):
            own_or_404(Shipment, public_token=theirs.public_token)
        with pytest.raises(NotFound):
            own_or_404(Shipment, 999999)
    finally:
        context.pop()


def test_scoping_refuses_what_it_cannot_scope(merchant, make_user, as_user):
    context = as_user(make_user(merchant))
    try:
        with pytest.raises(TypeError, match="no merchant_id"):
            scoped(select(LineItem))
        with pytest.raises(TypeError, match="no merchant_id"):
            own_or_404(Merchant, merchant.id)
        with pytest.raises(TypeError):
            own_or_404(Shipment)
    finally:
        context.pop()


def test_scoping_without_a_user_fails_closed(app):
    with app.test_request_context("/console/"):
        with pytest.raises(Unauthorized):
            scoped(select(Shipment))


def test_unknown_roles_are_a_programming_error():
    with pytest.raises(ValueError):
        login_required_role("superuser")
    assert MANAGERS == ("owner", "admin")


def test_guard_blueprint_closes_views_that_forget_their_decorator(app, merchant, owner,
                                                                  logged_in):
    probe = Blueprint("probe", __name__, url_prefix="/probe")
    guard_blueprint(probe, public=("hello",))
    probe.add_url_rule("/hello", "hello", lambda: "public")
    probe.add_url_rule("/secret", "secret", lambda: "no decorator here")
    probe.add_url_rule("/owners", "owners", login_required_role("owner")(lambda: "owners only"))
    app.register_blueprint(probe)
    client = app.test_client()
    assert client.get("/probe/hello").get_data(as_text=True) == "public"
    assert client.get("/probe/secret").headers["Location"].startswith("/console/login?next=")
    assert client.get("/probe/owners").status_code == 302
    logged_in(client, owner)
    assert client.get("/probe/secret").get_data(as_text=True) == "no decorator here"
    assert client.get("/probe/owners").get_data(as_text=True) == "owners only"
