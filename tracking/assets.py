"""Static files under content-hashed URLs, so browsers keep them for a year and never go stale."""
import hashlib
import os
from functools import lru_cache

from flask import Flask, current_app, url_for


@lru_cache(maxsize=256)
def _digest(path: str, mtime: float) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """`/static/<filename>?v=<hash of its bytes>`."""
    path = os.path.join(current_app.static_folder, filename)
    return url_for("static", filename=filename, v=_digest(path, os.path.getmtime(path)))


def register(app: Flask) -> None:
    app.jinja_env.globals["static_url"] = static_url
