"""RFC 9457 problem+json responses for every API failure."""
from flask import Response, json
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_TYPE = "https://tracking.example/problems/"
MEDIA_TYPE = "application/problem+json"
# One title (and so one `type`) per status, with RFC 9110's names where Werkzeug's are older.
TITLES = {**HTTP_STATUS_CODES, 413: "Content Too Large", 422: "Unprocessable Content"}


class Problem(Exception):
    """Raise to answer with a problem document: status, title, detail and optional extras."""

    def __init__(self, status: int, title: str, detail: str = "", headers=None, **extra):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra
        self.headers = headers or {}


def problem_response(status: int, title: str, detail: str = "", headers=None, **extra) -> Response:
    """Build the JSON problem document with its media type."""
    slug = title.lower().replace(" ", "-")
    body = {"type": PROBLEM_TYPE + slug, "title": title, "status": status, "detail": detail, **extra}
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_problem(problem: Problem) -> Response:
    return problem_response(
        problem.status, problem.title, problem.detail, headers=problem.headers, **problem.extra
    )


def from_http_exception(exc: HTTPException) -> Response:
    """Werkzeug/webargs errors (404, 405, 422 from validation, 429 from the limiter) as problems."""
    extra = {}
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    detail = exc.description if isinstance(exc.description, str) else ""
    if exc.code == 422 and messages:
        extra["errors"] = _flatten(messages)
        detail = "The request body or query failed validation; see `errors`."
    elif messages:  # webargs' 400 for a body that is not JSON: no field to name
        detail = " ".join(error["message"] for error in _flatten(messages))
    headers = dict(exc.get_headers()) if exc.code == 429 else {}
    headers.pop("Content-Type", None)
    code = exc.code or 500
    return problem_response(code, TITLES.get(code, exc.name), detail, headers=headers, **extra)


# webargs locations: not part of a field's name as the client knows it.
LOCATIONS = ("json", "query", "path")


def _flatten(messages: dict, prefix: str = "") -> list[dict]:
    """webargs' nested {location: {field: [msg]}} as a flat [{field, message}] list."""
    out = []
    for key, value in messages.items():
        path = f"{prefix}.{key}" if prefix and key not in LOCATIONS else (
            prefix if key in LOCATIONS else str(key))
        if isinstance(value, dict):
            out.extend(_flatten(value, path))
        else:
            for message in value if isinstance(value, list) else [value]:
                out.append({"field": path, "message": str(message)})
    return out
