"""REST API v1 blueprint, documented at /api/v1/openapi.json."""
from http import HTTPStatus

from flask import Flask

from ..extensions import api, csrf
from . import messages  # noqa: F401  (importing it adds its route to blp)
from .problems import MEDIA_TYPE, TITLES
from .routes import blp
from .schemas import ProblemOut


def register(app: Flask) -> None:
    """Mount the API, documented with bearer auth; it takes no cookies, so no CSRF."""
    from . import products  # noqa: F401  (adds /products to blp; here, as it imports offers/)
    csrf.exempt(blp)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    _document_problems()
    api.register_blueprint(blp)


def _document_problems() -> None:
    """Document errors as the problem documents they are, not as flask-smorest's own error schema.

    flask-smorest registers a lazy response per status and DEFAULT_ERROR; ours replace them
    before any operation refers to them.
    """
    def problem(description: str) -> dict:
        return {"description": description, "content": {MEDIA_TYPE: {"schema": ProblemOut}}}

    for status in HTTPStatus:
        if status >= 400:
            api.spec.components.response(status.name, problem(TITLES.get(status, status.phrase)),
                                         lazy=True)
    api.spec.components.response("DEFAULT_ERROR", problem("Problem document"), lazy=True)
    api.spec.components.schemas.pop("Error", None)  # flask-smorest's, now referred to by nothing
