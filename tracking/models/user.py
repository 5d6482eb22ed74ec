"""Console users: people who act for one merchant, with a role and an argon2id password hash."""
import hashlib
import hmac
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .types import UTCDateTime, utcnow

OWNER, ADMIN, AGENT = "owner", "admin", "agent"
ROLES = (OWNER, ADMIN, AGENT)


@lru_cache(maxsize=8)
def _hasher_for(params: tuple) -> PasswordHasher:
    return PasswordHasher(**dict(params))


def password_hasher() -> PasswordHasher:
    """argon2id with PASSWORD_HASH_PARAMS ({}, or no app: argon2-cffi's RFC 9106 defaults)."""
    params = (current_app.config.get("PASSWORD_HASH_PARAMS") or {}) if has_app_context() else {}
    return _hasher_for(tuple(sorted(params.items())))


@lru_cache(maxsize=8)
def _decoy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("decoy password for unknown accounts")


def spend_a_password_check(password: str) -> None:
    """Verify against a decoy hash: an unknown email then costs as long as a wrong password."""
    hasher = password_hasher()
    try:
        hasher.verify(_decoy_hash(hasher), password)
    except VerificationError:
        pass


class User(UserMixin, db.Model):
    """A merchant's console account. Email is global (it is the sign-in name), stored lower-case."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('owner', 'admin', 'agent')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16), default=AGENT)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_login_at = mapped_column(UTCDateTime)

    merchant = relationship("Merchant")

    @validates("email")
    def _lower_email(self, key: str, value: str | None) -> str | None:
        return value.strip().lower() if value is not None else None

    @validates("role")
    def _known_role(self, key: str, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        return value

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses to sign in an inactive user; the loader also drops their sessions."""
        return bool(self.active)

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def set_password(self, password: str) -> None:
        """Store an argon2id hash; this also ends every session and reset link issued before."""
        self.password_hash = password_hasher().hash(password)

    def check_password(self, password: str) -> bool:
        """True when `password` matches; upgrades the stored hash when the cost settings changed."""
        hasher = password_hasher()
        try:
            hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    def credential_stamp(self, purpose: str) -> str:
        """A short keyed digest of the password hash: it changes whenever the password does."""
        key = current_app.secret_key
        key = key.encode() if isinstance(key, str) else key
        message = f"{purpose}:{self.id}:{self.password_hash}".encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()[:20]

    def get_id(self) -> str:
        """Flask-Login's session id, `<id>:<stamp>`: a password change signs out other sessions."""
        return f"{self.id}:{self.credential_stamp('session')}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role} merchant={self.merchant_id}>"
