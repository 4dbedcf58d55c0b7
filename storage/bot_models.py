"""What the bot keeps: invitations, bound Telegram accounts, the outbox, handled updates, and
the drafts of chat forms (so a restart mid-form loses nothing)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from spotcheck.states import OutboxState
from storage.checks import one_of
from storage.models import Base, utcnow


class Invite(Base):
    """A one-time code binding a Telegram account to an inspector; only its hash is kept."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    cert_no: Mapped[str] = mapped_column(String(40), index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(BigInteger)


class TelegramAccount(Base):
    """One Telegram account per inspector; rebinding needs a new invitation."""

    __tablename__ = "telegram_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    cert_no: Mapped[str] = mapped_column(String(40), unique=True)
    language: Mapped[str] = mapped_column(String(10), default="zh")
    reachable: Mapped[bool] = mapped_column(default=True)  # False after Telegram's 403
    bound_at: Mapped[datetime] = mapped_column(default=utcnow)


class Stranger(Base):
    """Someone who wrote to the bot without being bound: refused once, then ignored."""

    __tablename__ = "strangers"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "state", "next_attempt_at"),
        one_of("outbox", "state", OutboxState),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]]  # {"kind": "message" | "location" | "document", …}
    state: Mapped[str] = mapped_column(String(10), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class HandledUpdate(Base):
    """Update ids already handled: Telegram may deliver an update again after a crash."""

    __tablename__ = "handled_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(default=utcnow)


class PolicyDocument(Base):
    """A policy document an admin added (.txt or .docx); the shipped ones live in the package."""

    __tablename__ = "policy_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)  # removing keeps the row, for the audit
