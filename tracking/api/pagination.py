"""Cursor pagination of API lists: newest first by id, an opaque cursor naming the last id seen."""
import base64
import binascii

from sqlalchemy import Select

from ..extensions import db
from .problems import Problem

# Ids are INTEGER columns: a larger one in a path or cursor names nothing (and would overflow).
MAX_ID = 2**31 - 1


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor of ours names; 422 problem for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind == "id" and value.isascii() and value.isdigit() and int(value) <= MAX_ID:
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise Problem(422, "Unprocessable Content", "The cursor is not one this API gave out.",
                  errors=[{"field": "cursor", "message": "Invalid cursor."}])


def page_of(query: Select, id_column, args: dict) -> tuple[list, str | None]:
    """One page of `query` (rows newest first) after `args["cursor"]`, `args["limit"]` long,
    and the cursor of the next page (None on the last)."""
    if "cursor" in args:
        query = query.where(id_column < decode_cursor(args["cursor"]))
    limit = args["limit"]
    rows = list(db.session.scalars(query.order_by(id_column.desc()).limit(limit + 1)))
    page = rows[:limit]
    return page, encode_cursor(page[-1].id) if len(rows) > limit else None
