"""Console pages: the dashboard and the team list (more sections land here as they are built)."""
from dataclasses import dataclass

from flask import g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import User
from .access import EVERYONE, MANAGERS, current_merchant, login_required_role, scoped
from .blueprint import bp
from .overview import STATUS_NAMES, overview


@dataclass(frozen=True)
class NavItem:
    """A console section; `endpoint` None marks one still to be built (shown, not linked)."""
    endpoint: str | None
    label: str
    roles: tuple[str, ...] = EVERYONE


# The console's sections, in menu order. Add yours here; the menu hides what a role may not open.
NAV = [
    NavItem("console.index", _l("Overview")),
    NavItem("support.search", _l("Shipments")),
    NavItem("support.queue", _l("Exceptions")),
    NavItem("console.branding", _l("Branding"), MANAGERS),
    NavItem("console.messages", _l("Messages"), MANAGERS),
    NavItem("console.offers", _l("Offers"), MANAGERS),
    NavItem("console.catalogue", _l("Catalogue"), MANAGERS),
    NavItem("console.api_keys", _l("API keys"), MANAGERS),
    NavItem("console.carriers", _l("Carriers"), MANAGERS),
    NavItem("console.webhooks", _l("Webhooks"), MANAGERS),
    NavItem("console.domains", _l("Domains"), MANAGERS),
    NavItem("console.team", _l("Team"), MANAGERS),
]


ROLE_NAMES = {"owner": _l("Owner"), "admin": _l("Admin"), "agent": _l("Agent")}


@bp.before_request
def use_merchant_settings():
    """Dates in the merchant's timezone; its language when the browser states none we offer."""
    if current_user.is_authenticated:
        g.merchant_timezone = current_user.merchant.timezone
        g.merchant_locale = current_user.merchant.default_locale


@bp.context_processor
def console_context():
    """`nav`: the sections the user's role may open, the current one marked; `role_names`."""
    nav = [] if not current_user.is_authenticated else [
        {"endpoint": item.endpoint, "label": item.label,
         "current": item.endpoint is not None and item.endpoint == request.endpoint}
        for item in NAV if current_user.role in item.roles
    ]
    return {"nav": nav, "role_names": ROLE_NAMES}


@bp.get("/")
@login_required_role()
def index():
    """The overview: shipments by status, those needing attention, registrations per day."""
    merchant = current_merchant()
    return render_template("console/index.html", merchant=merchant, data=overview(merchant),
                           status_names=STATUS_NAMES)


@bp.get("/team")
@login_required_role(*MANAGERS)
def team():
    """The merchant's console users (owners and admins only)."""
    users = db.session.scalars(scoped(select(User).order_by(User.email))).all()
    return render_template("console/team.html", users=users, merchant=current_merchant())
