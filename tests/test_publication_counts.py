"""What is to publish and what is late count exactly what ``publish`` publishes: per assignment
in force, its latest passed version — not the version an amendment replaced, nothing of an
assignment a redraw superseded (tests/factories_statistics.py: seed_publication_cases)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from bot.context import AppContext
from bot.services import disclosure
from bot.services.publication import keep_deadlines
from storage import publication_store
from tests.factories_statistics import (
    JINGXIU,
    LIANCHI,
    QUARTER,
    seed_publication_cases,
    seed_quarter,
)

DUE = date(2026, 12, 8)  # 20 working days after 2026-11-10, when every seeded version passed


async def _nothing(_: disclosure.Disclosure) -> None:
    """These tests read what is published from the Disclosure, not from files."""


async def test_what_is_to_publish_is_what_publish_publishes(ctx: AppContext) -> None:
    seeded = await seed_quarter(ctx)
    cases = await seed_publication_cases(ctx, seeded)
    published = await disclosure.publish(ctx, QUARTER, "cli", date(2026, 12, 1), _nothing)
    async with ctx.sessions() as session:
        to_publish = await publication_store.to_publish_by_county(session, QUARTER)
    assert to_publish == Counter(r.county for r in published.results)
    assert to_publish == {JINGXIU: 2, LIANCHI: 1}  # 莲池区: the amendment only
    ids = {r.result_id for r in published.results}
    assert cases["lc_key_v2"] in ids
    assert not ids & {seeded.results["lc_key"], cases["lc_redrawn"]}


async def test_an_amended_check_is_late_once_and_a_redrawn_one_never(ctx: AppContext) -> None:
    seeded = await seed_quarter(ctx)
    await seed_publication_cases(ctx, seeded)
    async with ctx.sessions.begin() as session:
        await keep_deadlines(ctx, session)  # the redrawn check's version gets one too
    async with ctx.sessions() as session:
        on_the_day = await publication_store.late_by_county(session, QUARTER, DUE)
        after = await publication_store.late_by_county(session, QUARTER, date(2026, 12, 9))
        in_lianchi = await publication_store.late_by_county(
            session, QUARTER, date(2027, 3, 1), LIANCHI
        )
    assert sum(on_the_day.values()) == 0
    assert after == {JINGXIU: 2, LIANCHI: 1}  # 莲池区: its check, once; not the redrawn one
    assert in_lianchi == {LIANCHI: 1}
