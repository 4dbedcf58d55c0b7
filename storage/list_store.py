"""Candidate lists stored once, by the SHA-256 of their canonical bytes, and the cache that
names the list a state of the targets directory encodes to (so a city's 200,000 targets are
encoded and hashed once per directory state, not once per draw)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Executable, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.draw_models import CandidateList, DirectoryVersion, ListCache


def _insert_ignoring_duplicates(session: AsyncSession, model: type) -> Executable:
    """INSERT … ON CONFLICT DO NOTHING on either engine: a list is the same list whoever
    stored it first (two draws at once, two processes)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()


async def store(
    session: AsyncSession, lists: Mapping[str, bytes], hashes: Mapping[str, str]
) -> None:
    """Keep each list (name → canonical bytes) under its hash, unless it is there already."""
    known = set(
        await session.scalars(
            select(CandidateList.sha256).where(CandidateList.sha256.in_(hashes[n] for n in lists))
        )
    )
    rows = [
        {"sha256": hashes[name], "kind": name, "items": data}
        for name, data in lists.items()
        if hashes[name] not in known
    ]
    if rows:
        await session.execute(_insert_ignoring_duplicates(session, CandidateList), rows)


async def list_bytes(session: AsyncSession, hashes: Mapping[str, str]) -> dict[str, bytes]:
    """The stored lists named (name → hash), as their canonical bytes."""
    rows = await session.execute(
        select(CandidateList.sha256, CandidateList.items).where(
            CandidateList.sha256.in_(set(hashes.values()))
        )
    )
    found: dict[str, bytes] = {sha: items for sha, items in rows}
    return {name: found[sha] for name, sha in hashes.items() if sha in found}


async def targets_version(session: AsyncSession) -> int:
    """The targets directory's version: triggers bump it on every change (migration 0014)."""
    found = await session.get(DirectoryVersion, "targets", populate_existing=True)
    return 0 if found is None else found.version


async def cached(session: AsyncSession, scope: str, version: int) -> str | None:
    """The hash of the targets list of ``scope`` (a county, "" the city) at ``version``, if
    it was encoded before."""
    found = await session.get(ListCache, ("targets", scope, version))
    return None if found is None else found.sha256


async def remember(session: AsyncSession, scope: str, version: int, sha256: str) -> None:
    values = {"kind": "targets", "scope": scope, "version": version, "sha256": sha256}
    await session.execute(_insert_ignoring_duplicates(session, ListCache), [values])
