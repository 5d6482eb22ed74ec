"""REST API v1: register, list, read and refresh shipments."""
from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..carriers import known_carriers
from ..carriers.detect import candidates, detect
from ..extensions import db, limiter
from ..models import Order, Shipment
from ..models.types import utcnow
from .. import shipments as registry
from ..polling.schedule import bring_forward
from .auth import authenticate, rate_limit_key
from .pagination import MAX_ID, page_of
from .problems import MEDIA_TYPE, Problem
from .schemas import (
    ProblemOut, ShipmentIn, ShipmentOut, ShipmentPage, ShipmentQuery, normalise_number,
)
from .serialize import shipment_dict

blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Shipments and their tracking")
blp.before_request(authenticate)
# One allowance per key across the whole API, not one per route.
limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api-v1",
                     key_func=rate_limit_key)(blp)


@blp.before_request
def json_bodies_only() -> None:
    """A body must be JSON: a form or text body is refused rather than read as empty."""
    if request.content_length and not request.is_json:
        raise Problem(415, "Unsupported Media Type", "Send the body as `application/json`.")


def own_shipment(shipment_id: int) -> Shipment:
    """The caller's shipment; another merchant's is as absent as a missing one."""
    shipment = db.session.get(Shipment, shipment_id) if shipment_id <= MAX_ID else None
    if shipment is None or shipment.merchant_id != g.merchant.id:
        raise Problem(404, "Not Found", f"No shipment {shipment_id} for this API key.")
    return shipment


def _choose_carrier(data: dict) -> str:
    """The named carrier if installed, else the single one the number's format points to."""
    if "carrier" in data:
        code = data["carrier"].strip().lower()
        if code not in known_carriers():
            raise Problem(422, "Unprocessable Content", f"Carrier {code!r} is not installed.",
                          errors=[{"field": "carrier", "message": "Unknown carrier."}],
                          carriers=sorted(known_carriers()))
        return code
    code = detect(data["tracking_number"])
    if code is None:
        found = candidates(data["tracking_number"])
        raise Problem(422, "Unprocessable Content",
                      "Name the carrier: the tracking number does not identify a single one.",
                      errors=[{"field": "carrier", "message": "Carrier could not be detected."}],
                      candidates=[{"carrier": c.carrier, "check_digit_valid": c.valid} for c in found])
    return code


@blp.route("/shipments")
class Shipments(MethodView):
    @blp.arguments(ShipmentQuery, location="query")
    @blp.response(200, ShipmentPage)
    def get(self, args):
        """List the merchant's shipments, newest first, with filters and a cursor."""
        query = select(Shipment).where(Shipment.merchant_id == g.merchant.id)
        if "tracking_number" in args:
            number = normalise_number(args["tracking_number"])
            query = query.where(Shipment.tracking_number == number)
        if "order_number" in args:
            query = query.join(Order).where(Order.number == args["order_number"])
        if "status" in args:
            query = query.where(Shipment.status == args["status"])
        page, next_cursor = page_of(query, Shipment.id, args)
        return {"data": [shipment_dict(s, with_events=False) for s in page], "next_cursor": next_cursor}

    @blp.arguments(ShipmentIn)
    @blp.response(201, ShipmentOut)
    @blp.alt_response(200, schema=ShipmentOut, description="Already registered: the existing shipment")
    @blp.alt_response(409, schema=ProblemOut, content_type=MEDIA_TYPE,
                      description="Registered already under another order number")
    def post(self, data):
        """Register a shipment; the same carrier and number again answers 200 with the existing one."""
        data["carrier"] = _choose_carrier(data)
        shipment, created = _register(data)
        if not created and shipment.order.number != data["order"]["number"]:
            raise Problem(409, "Conflict",
                          "This tracking number is registered already under another order number.",
                          shipment_id=shipment.id)
        return shipment_dict(shipment), 201 if created else 200


def _register(data: dict) -> tuple[Shipment, bool]:
    """Register and commit, once more if a concurrent request stored the shipment or order first."""
    try:
        shipment, created = registry.register(g.merchant, data)
        db.session.commit()
    except IntegrityError:  # a unique constraint refused ours: the second attempt finds theirs
        db.session.rollback()
        shipment, created = registry.register(g.merchant, data)
        db.session.commit()
    return shipment, created


@blp.route("/shipments/<int:shipment_id>")
class ShipmentItem(MethodView):
    @blp.response(200, ShipmentOut)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, shipment_id):
        """One shipment with its events, newest first."""
        return shipment_dict(own_shipment(shipment_id))


@blp.route("/shipments/<int:shipment_id>/refresh", methods=["POST"])
@blp.response(202, ShipmentOut)
@blp.alt_response(404, response="NOT_FOUND")
def refresh(shipment_id):
    """Ask the worker to poll this shipment now (unless it was polled in the last minute)."""
    shipment = own_shipment(shipment_id)
    bring_forward(shipment.id, shipment.next_poll_at, shipment.last_polled_at, utcnow(),
                  explicit=True)
    db.session.refresh(shipment)
    return shipment_dict(shipment)
