"""What the scheduler keeps: every reminder or digest sent, and the counties' submissions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from spotcheck.reminders import Duty
from storage.checks import one_of
from storage.models import Base, utcnow


class ReminderLedger(Base):
    """One row per reminder sent to one person. The unique key is what keeps a reminder from
    going out twice — after a restart's catch-up, or from two bot processes at once: the row is
    inserted in the transaction that queues the message, and the second insert fails."""

    __tablename__ = "reminder_ledger"
    __table_args__ = (UniqueConstraint("kind", "key", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(
        String(30)
    )  # report | lead_digest | county_digest | due | calendar
    key: Mapped[str] = mapped_column(String(120))
    recipient: Mapped[str] = mapped_column(String(40))  # 执法证号
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class Submission(Base):
    """A county marked its summary or statistics table for a quarter as sent to the city."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("county", "quarter", "duty"),
        one_of("submissions", "duty", Duty),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county: Mapped[str] = mapped_column(String(6))
    quarter: Mapped[str] = mapped_column(String(6))
    duty: Mapped[str] = mapped_column(String(20))  # spotcheck.reminders.Duty
    submitted_by: Mapped[str] = mapped_column(String(40))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    file_id: Mapped[str | None] = mapped_column(Text)  # the Telegram file, when uploaded in chat
    file_name: Mapped[str | None] = mapped_column(String(200))
