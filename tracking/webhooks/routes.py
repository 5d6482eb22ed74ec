"""POST /webhooks/<provider>?merchant=<slug>: verify, parse, merge; answer fast, never call out."""
import time

from flask import Blueprint, current_app, jsonify, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from ..api.problems import from_http_exception, problem_response
from ..carriers.parsing import json_body
from ..extensions import limiter
from . import aftership, easypost, shippo
from .ingest import ingest, secret_for
from .push import BadPayload

PROVIDERS = {module.NAME: module for module in (easypost, aftership, shippo)}
DEFAULT_RATE_LIMIT = "600 per minute"

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def _rate_key() -> str:
    """One allowance per sender address and merchant: a provider serves many from few IPs."""
    return f"{get_remote_address()}|{request.args.get('merchant', '')[:63]}"


limiter.limit(lambda: current_app.config.get("WEBHOOK_RATE_LIMIT", DEFAULT_RATE_LIMIT),
              key_func=_rate_key)(bp)


@bp.errorhandler(HTTPException)
def as_problem(exc: HTTPException):
    """429 from the limiter, 413 for a huge body: problem documents, as machines get elsewhere."""
    return from_http_exception(exc)


@bp.post("/<provider>")
def receive(provider: str):
    """Take one push. 200 merged or duplicate, 202 ignored, 400 unreadable, 401 unverified."""
    module = PROVIDERS.get(provider)
    if module is None:
        return problem_response(404, "Not Found",
                                f"Webhooks are received for: {', '.join(sorted(PROVIDERS))}.")
    body = request.get_data(cache=False)
    merchant, secret = secret_for(request.args.get("merchant"), provider)
    verified = module.verify(secret, body, request.headers, request.args, time.time())
    if not verified or merchant is None:
        return problem_response(
            401, "Unauthorized",
            "The signature does not verify with this merchant's secret for this provider.")
    try:
        payload = json_body(body)
        if not isinstance(payload, dict):
            raise BadPayload("the body is not a JSON object")
        delivery_id = module.delivery_id(payload, body)
        push = module.parse(payload)
    except (ValueError, RecursionError) as exc:  # BadPayload, bad JSON, bad UTF-8
        detail = str(exc) if isinstance(exc, BadPayload) else "The body is not JSON."
        return problem_response(400, "Bad Request", detail)
    if push is None:
        return jsonify(status="ignored"), 202
    answer, status = ingest(provider, merchant, push, delivery_id)
    return jsonify(answer), status
