"""Liveness and readiness: GET /healthz answers 200 when the database answers."""
from flask import Flask
from sqlalchemy import text

from .extensions import db, limiter


def register(app: Flask) -> None:
    @app.get("/healthz")
    @limiter.exempt
    def healthz():
        db.session.execute(text("SELECT 1"))
        return {"status": "ok"}
