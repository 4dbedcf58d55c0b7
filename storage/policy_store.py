"""Policy documents admins added (.txt or .docx): removing one keeps its row, for the audit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.bot_models import PolicyDocument


async def active_texts(session: AsyncSession) -> list[tuple[int, str, str]]:
    """(id, name, text) of the documents in use, oldest first."""
    rows = await session.execute(
        select(PolicyDocument.id, PolicyDocument.name, PolicyDocument.text)
        .where(PolicyDocument.active)
        .order_by(PolicyDocument.id)
    )
    return [(i, n, t) for i, n, t in rows]


async def active_names(session: AsyncSession) -> list[tuple[int, str]]:
    """(id, name) of the documents in use, oldest first."""
    rows = await session.execute(
        select(PolicyDocument.id, PolicyDocument.name)
        .where(PolicyDocument.active)
        .order_by(PolicyDocument.id)
    )
    return [(i, n) for i, n in rows]


async def add(session: AsyncSession, name: str, text: str, added_by: str) -> PolicyDocument:
    """A new document, flushed (so it has its id)."""
    document = PolicyDocument(name=name, text=text, added_by=added_by)
    session.add(document)
    await session.flush()
    return document


async def active(session: AsyncSession, document_id: int) -> PolicyDocument | None:
    """The document if it exists and is in use."""
    document = await session.get(PolicyDocument, document_id)
    return document if document is not None and document.active else None
