"""What the scheduler keeps, as it reads it: the counties' submissions, and the ledger that
makes each reminder or digest go out once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from spotcheck.reminders import Duty
from storage.schedule_models import ReminderLedger, Submission


async def submitted(session: AsyncSession, county: str) -> set[tuple[str, str]]:
    """(quarter, duty) of everything this county has submitted."""
    rows = await session.execute(
        select(Submission.quarter, Submission.duty).where(Submission.county == county)
    )
    return {(q, d) for q, d in rows}


async def is_submitted(session: AsyncSession, county: str, quarter: str, duty: Duty) -> bool:
    found = await session.scalar(
        select(Submission.id).where(
            Submission.county == county,
            Submission.quarter == quarter,
            Submission.duty == duty,
        )
    )
    return found is not None


def add_submission(
    session: AsyncSession,
    county: str,
    quarter: str,
    duty: Duty,
    submitted_by: str,
    file_id: str | None,
    file_name: str | None,
) -> None:
    """A county's submission; the caller's flush meets the unique key (county, quarter,
    duty) when another one just got in first."""
    session.add(
        Submission(
            county=county,
            quarter=quarter,
            duty=duty,
            submitted_by=submitted_by,
            file_id=file_id,
            file_name=file_name,
        )
    )


async def claim(session: AsyncSession, kind: str, key: str, recipient: str) -> bool:
    """Write the ledger row for (kind, key, recipient); False when it was there already — sent
    by us before a restart, or by another bot process right now: the unique key decides."""
    try:
        async with session.begin_nested():
            session.add(ReminderLedger(kind=kind, key=key, recipient=recipient))
    except IntegrityError:
        return False
    return True


# --- issue 11: charts ---


async def claimed(session: AsyncSession, kind: str, key: str) -> set[str]:
    """The recipients (执法证号) already in the ledger for (kind, key): a weekly digest's chart
    is not drawn again for them at every catch-up."""
    rows = await session.scalars(
        select(ReminderLedger.recipient).where(
            ReminderLedger.kind == kind, ReminderLedger.key == key
        )
    )
    return set(rows)
