"""A merchant's own credentials for one carrier, sealed at rest (tracking.secrets_box)."""
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class CarrierAccount(db.Model):
    __tablename__ = "carrier_accounts"
    __table_args__ = (UniqueConstraint("merchant_id", "carrier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(40))
    # Fernet token of the settings' JSON ({"client_id": ..., "client_secret": ..., "base_url": ...}).
    settings_encrypted: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def settings(self) -> dict:
        """The decrypted settings (needs CREDENTIALS_KEY)."""
        from ..secrets_box import decrypt
        return decrypt(self.settings_encrypted)

    @settings.setter
    def settings(self, value: dict) -> None:
        from ..secrets_box import encrypt
        self.settings_encrypted = encrypt(value)
