"""The support console under /support/: find a shipment, see what the carrier said, act on it."""
from flask import Flask
from werkzeug.exceptions import HTTPException

from ..console import error_page, secure_headers
from ..console.access import guard_blueprint
from ..console.routes import console_context, use_merchant_settings
from .blueprint import bp

guard_blueprint(bp)
bp.before_request(use_merchant_settings)
bp.context_processor(console_context)
bp.after_request(secure_headers)
bp.register_error_handler(HTTPException, error_page)


def register(app: Flask) -> None:
    """Mount the support console (sign-in and sessions are the merchant console's)."""
    app.register_blueprint(bp)
