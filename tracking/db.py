"""Database URL resolution and SQLite tuning (WAL, busy timeout, foreign keys)."""
import os

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


def normalise_url(url: str) -> str:
    """Point plain postgres URLs at psycopg 3, the driver this project installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def configure_database(app: Flask) -> None:
    """Fill SQLALCHEMY_DATABASE_URI: the configured URL, or a SQLite file in the instance folder."""
    url = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = "sqlite:///" + os.path.join(app.instance_path, "tracking.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_url(url)
    if url.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"timeout": app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000},
        }


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL lets the web read while the worker writes; the busy timeout makes writers queue."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
