"""A merchant's own host name for its shopper pages (track.example-shop.com)."""
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class CustomDomain(db.Model):
    __tablename__ = "custom_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    hostname: Mapped[str] = mapped_column(String(253), unique=True)  # lower-case, no trailing dot
    created_at = mapped_column(UTCDateTime, default=utcnow)
    # When "check now" last found the name resolving; None until then.
    verified_at = mapped_column(UTCDateTime)
