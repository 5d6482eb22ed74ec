"""A merchant's own wording of the SMS or email that carries the tracking link, per language."""
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class MessageTemplate(db.Model):
    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("merchant_id", "channel", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # one of tracking.messages.CHANNELS
    locale: Mapped[str] = mapped_column(String(10))  # one of LANGUAGES, e.g. "pt_BR"
    # Email only; placeholders as in the body (tracking.messages.placeholders).
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
