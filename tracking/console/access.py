"""Who may do what: role decorators, and queries confined to the signed-in user's merchant.

Every console (and support) query goes through `scoped`, `own_or_404` or `current_merchant`,
so one merchant's users can never read or change another merchant's rows, whatever id a
URL, form or htmx partial carries.
"""
from functools import wraps

from flask import Blueprint, abort, request
from flask_login import current_user
from sqlalchemy import Select, inspect, select

from ..extensions import db, login
from ..models import Merchant
from ..models.user import ADMIN, AGENT, OWNER, ROLES

MANAGERS = (OWNER, ADMIN)
EVERYONE = ROLES
__all__ = ["ADMIN", "AGENT", "EVERYONE", "MANAGERS", "OWNER", "current_merchant",
           "current_merchant_id", "guard_blueprint", "login_required_role", "own_or_404", "scoped"]


def login_required_role(*roles: str):
    """Route decorator: anonymous -> the sign-in page (401 + HX-Redirect for htmx); a role
    not in `roles` -> 403. Without roles, any signed-in user may pass."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; use {ROLES}")

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login.unauthorized()
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return guarded
    return decorate


def guard_blueprint(bp: Blueprint, public: tuple[str, ...] = ()) -> None:
    """Make every view of `bp` signed-in only, except the endpoints named in `public`.

    A safety net under `login_required_role`: a view that forgets its decorator is still
    closed to anonymous visitors (roles are still each view's own business).
    """
    allowed = {f"{bp.name}.{name}" for name in public}

    @bp.before_request
    def _require_login():
        if request.endpoint not in allowed and not current_user.is_authenticated:
            return login.unauthorized()
        return None


def current_merchant_id() -> int:
    """The signed-in user's merchant id; 401 when nobody is signed in (fail closed)."""
    if not current_user.is_authenticated:
        abort(401)
    return current_user.merchant_id


def current_merchant() -> Merchant:
    """The signed-in user's merchant."""
    return db.session.get(Merchant, current_merchant_id())


def _merchant_column(model):
    column = getattr(model, "merchant_id", None)
    if column is None:
        raise TypeError(f"{model!r} has no merchant_id: reach its rows through an owned parent "
                        "(own_or_404 the parent, then follow the relationship or join it)")
    return column


def scoped(stmt: Select, *models) -> Select:
    """`stmt` limited to the current merchant: `Model.merchant_id == <user's merchant>` for
    each of `models`, or, when none are named, for every entity the statement selects.

        scoped(select(Shipment).where(Shipment.status == "delivered"))
        scoped(select(Order.number, Shipment.id).join(Shipment.order), Order, Shipment)
    """
    if not models:
        models = tuple(d["entity"] for d in stmt.column_descriptions if d.get("entity") is not None)
    if not models:
        raise TypeError("scoped() needs the models to scope: none could be read from the statement")
    merchant_id = current_merchant_id()
    for model in dict.fromkeys(models):
        stmt = stmt.where(_merchant_column(model) == merchant_id)
    return stmt


def own_or_404(model, ident=None, **filters):
    """The current merchant's `model` row with primary key `ident` (and/or `filters`), else 404.

    Another merchant's row answers exactly like a missing one: 404, never 403.
    """
    stmt = select(model).filter_by(**filters)
    if ident is not None:
        (key,) = inspect(model).primary_key
        stmt = stmt.where(key == ident)
    elif not filters:
        raise TypeError("own_or_404() needs an id or filters")
    row = db.session.execute(scoped(stmt, model)).scalar_one_or_none()
    if row is None:
        abort(404)
    return row
