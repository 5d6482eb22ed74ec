"""REST API v1 blueprint, documented at /api/v1/openapi.json."""
from flask import Flask

from ..extensions import api, csrf
from .routes import blp


def register(app: Flask) -> None:
    """Mount the API, documented with bearer auth; it takes no cookies, so no CSRF."""
    csrf.exempt(blp)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    api.register_blueprint(blp)
