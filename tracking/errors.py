"""Error pages for people and problem documents for the API, chosen by path."""
from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from .api.problems import Problem, from_http_exception, from_problem


def _wants_problem() -> bool:
    return request.path.startswith(("/api/", "/webhooks/"))


def register(app: Flask) -> None:
    """Install the handlers: problem+json under /api/, friendly pages elsewhere."""

    @app.errorhandler(Problem)
    def handle_problem(problem: Problem):
        return from_problem(problem)

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        if _wants_problem():
            return from_http_exception(exc)
        template = "errors/404.html" if exc.code == 404 else "errors/error.html"
        return render_template(template, error=exc), exc.code

