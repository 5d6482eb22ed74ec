"""Merchants, their branding, and the API keys that act for them."""
import hashlib
import secrets
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

API_KEY_PREFIX = "trk_"


class Merchant(db.Model):
    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    logo_url: Mapped[str | None] = mapped_column(String(500))
    brand_color: Mapped[str] = mapped_column(String(7), default="#1f4e79")
    accent_color: Mapped[str] = mapped_column(String(7), default="#c2410c")
    font: Mapped[str] = mapped_column(String(40), default="system")
    support_email: Mapped[str | None] = mapped_column(String(254))
    support_phone: Mapped[str | None] = mapped_column(String(40))
    support_url: Mapped[str | None] = mapped_column(String(500))
    returns_url: Mapped[str | None] = mapped_column(String(500))
    default_locale: Mapped[str] = mapped_column(String(10), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Console branding editor (tracking/console/branding.py); None/empty means the defaults.
    header_links: Mapped[list | None] = mapped_column(JSON)  # [{"label": .., "url": ..}], max 3
    footer_text: Mapped[str | None] = mapped_column(Text)  # plain text, escaped on the page
    layout: Mapped[list | None] = mapped_column(JSON)  # block names in page order; None: all
    locales_offered: Mapped[str | None] = mapped_column(String(200))  # "en,fr"; None: all
    logo_path: Mapped[str | None] = mapped_column(String(100))  # file name under uploads/logos
    created_at = mapped_column(UTCDateTime, default=utcnow)
    # Bumped on every change: part of the tracking page render-cache key.
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    api_keys: Mapped[list["ApiKey"]] = relationship(back_populates="merchant")


def move_page_version(merchant_id: int, at: datetime) -> None:
    """Mark every cached shopper page of the merchant out of date (the caller commits).

    Cached tracking pages and offers key on `Merchant.updated_at` (pages.routes.render_key): a
    change they show that is not on the merchant's row (offers, catalogue, recommendations)
    moves it. The UPDATE also locks the row until the transaction ends.
    """
    db.session.execute(update(Merchant).where(Merchant.id == merchant_id).values(updated_at=at))


def hash_api_key(raw: str) -> str:
    """SHA-256 of a key: keys carry 256 random bits, so a slow hash adds nothing."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(db.Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_used_at = mapped_column(UTCDateTime)
    revoked_at = mapped_column(UTCDateTime)

    merchant: Mapped[Merchant] = relationship(back_populates="api_keys")

    @classmethod
    def issue(cls, merchant: Merchant, name: str = "default") -> tuple["ApiKey", str]:
        """Create a key for a merchant; the raw key is returned once and never stored."""
        raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
        key = cls(merchant=merchant, name=name, prefix=raw[:12], key_hash=hash_api_key(raw))
        db.session.add(key)
        return key, raw

    @classmethod
    def find_active(cls, raw: str) -> "ApiKey | None":
        """The live key matching a raw bearer token, if any."""
        key = db.session.execute(
            db.select(cls).filter_by(key_hash=hash_api_key(raw))
        ).scalar_one_or_none()
        return key if key is not None and key.revoked_at is None else None
