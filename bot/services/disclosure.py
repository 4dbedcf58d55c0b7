"""一公开 (rule 9): the quarter's results that passed review, the inspection-item list and the
plans, as the public sees them — the same rows whatever carries them (xlsx, csv, the static
pages) — and the draw records' public extracts.

``publish`` reads what it will publish, has it written, and only then keeps the publication
deadlines (bot/services/publication.py) and marks what was written, in one transaction: a
failed write marks nothing. A version's 公示日期 is the day it was first published, so a re-run
writes the same rows. No inspector's name or 执法证号 is read; the findings' text only with
``[publish] include_findings``. The draws' seeds and extracts name who is to be inspected, so
they are published only once the quarter has ended (spotcheck.public_record.draws_disclosed).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from bot.clock import local_date
from bot.context import AppContext
from bot.services.problems import ServiceProblem
from bot.services.publication import keep_deadlines
from spotcheck.deadlines import Quarter
from spotcheck.public_record import draws_disclosed, public_extract
from spotcheck.quota import TaskKind
from spotcheck.record import canonical_json
from storage import disclosure_store, draw_store, publication_store
from storage.audit import audit
from storage.csv_file import write_csv
from storage.directory_store import current_rows
from storage.disclosure_store import PassedResult, QuarterRecord
from storage.excel import SheetData, write_sheets
from storage.sheets import export_row, sheet_spec


class PublishProblem(ServiceProblem):
    """A publication the service will not make."""


@dataclass(frozen=True)
class PlanRecord:
    """A draw record of the quarter as the plans sheet shows it: its strata, seed and counts."""

    id: int
    created_at: datetime  # UTC
    amends: int | None
    reason: str | None
    strata: tuple[dict[str, Any], ...]
    seed: dict[str, Any] | None  # None while the quarter lasts (draws_disclosed)
    onsite: int
    offsite: int


@dataclass(frozen=True)
class Disclosure:
    quarter: str
    results: tuple[PassedResult, ...]
    published_on: dict[int, date]  # result id → 公示日期
    newly_published: int  # of the results, those published for the first time
    items: tuple[list[Any], ...]  # the active inspection items, as the items sheet exports them
    plans: tuple[PlanRecord, ...]
    draws_disclosed: bool  # the seeds and the records' extracts are published


def parse_quarter(text: str) -> str:
    try:
        return str(Quarter.parse(text))
    except ValueError:
        raise PublishProblem("bad_quarter", quarter=text) from None


async def publish(
    ctx: AppContext,
    quarter: str,
    actor: str,
    today: date,
    write: Callable[[Disclosure], Awaitable[None]],
) -> Disclosure:
    """Publish the quarter ``today``: ``write`` gets what is published, and only once it has
    returned are the publication deadlines kept and the results marked published (those
    published before keep their day), with an audit entry, in one transaction. Whatever
    ``write`` raises propagates, and nothing is marked."""
    shown = await _read(ctx, parse_quarter(quarter), today)
    await write(shown)
    ids = [r.result_id for r in shown.results]
    async with ctx.sessions.begin() as session:
        await keep_deadlines(ctx, session)
        newly = await publication_store.mark_published(session, ids, today, actor)
        session.add(
            audit(
                actor,
                "publish",
                "publications",
                shown.quarter,
                new={"results": len(ids), "newly_published": newly},
            )
        )
    return dataclasses.replace(shown, newly_published=newly)


async def _read(ctx: AppContext, quarter: str, today: date) -> Disclosure:
    """What publishing ``today`` shows; it reads only. A result not published before shows
    ``today`` as its 公示日期, the day ``publish`` then records."""
    async with ctx.sessions() as session:
        last_due = await disclosure_store.last_due(session, quarter)
        disclosed = draws_disclosed(Quarter.parse(quarter), today, last_due)
        results = await disclosure_store.passed_results(session, quarter)
        before = await disclosure_store.published_days(session, [r.result_id for r in results])
        spec = sheet_spec("items", ctx.config.regions)
        items = sorted(
            (values for _, active, values in await current_rows(session, spec) if active),
            key=lambda values: str(values["code"]),
        )
        item_rows = tuple(export_row(spec, values, ctx.config.regions) for values in items)
        plans = [
            _plan(
                record,
                json.loads(await disclosure_store.record_body(session, record.id)),
                disclosed,
            )
            for record in await disclosure_store.draw_records(session, quarter)
        ]
    days = {r.result_id: before.get(r.result_id, today) for r in results}
    return Disclosure(
        quarter,
        tuple(results),
        days,
        len(results) - len(before),
        item_rows,
        tuple(plans),
        disclosed,
    )


def _plan(record: QuarterRecord, body: dict[str, Any], disclosed: bool) -> PlanRecord:
    # Every draw writes its strata, seed and assignments; the statistics tests' seeded records
    # are stubs without them, and add no plan rows.
    tasks = body.get("assignments", [])
    offsite = sum(1 for t in tasks if t["kind"] == TaskKind.OFFSITE.value)
    return PlanRecord(
        record.id,
        record.created_at,
        record.amends,
        record.reason,
        tuple(body.get("strata", ())),
        body.get("seed", {}) if disclosed else None,
        len(tasks) - offsite,
        offsite,
    )


async def record_extracts(
    ctx: AppContext, disclosure: Disclosure
) -> AsyncIterator[tuple[int, bytes]]:
    """Each draw record of the quarter's public extract as canonical JSON, one at a time (a
    city draw's runs to tens of megabytes); none while the quarter lasts."""
    if not disclosure.draws_disclosed:
        return
    async with ctx.sessions() as session:
        records = await disclosure_store.draw_records(session, disclosure.quarter)
    for record in records:
        async with ctx.sessions() as session:
            stored = await draw_store.record_by_id(session, record.id)
            assert stored is not None  # records are never deleted
            whole = await draw_store.published(session, stored)  # the targets list spliced in
        yield record.id, canonical_json(public_extract(whole, record.body_sha256))


# --- the rows, whatever file carries them ---------------------------------------------------


def result_sheet(ctx: AppContext, disclosure: Disclosure) -> SheetData:
    texts, findings = ctx.texts, ctx.config.publish.include_findings
    rows = [
        [
            texts.public_items_joined(r.items),
            r.target_name,
            r.credit_code,
            r.checked_on,
            texts.category_name(r.category),
            texts.public_follow_ups(r.follow_ups),
            disclosure.published_on[r.result_id],
            *([r.findings] if findings else []),
        ]
        for r in disclosure.results
    ]
    headers = texts.public_result_headers(findings)
    return SheetData(
        texts.public_results_title(),
        headers,
        rows,
        text_columns=[headers[2]],
        fit=True,
    )


def item_sheet(ctx: AppContext, disclosure: Disclosure) -> SheetData:
    """抽查事项清单, with the headers and cells of the items directory's own sheet."""
    spec = sheet_spec("items", ctx.config.regions)
    return SheetData(
        spec.title, spec.headers, disclosure.items, text_columns=spec.text_headers, fit=True
    )


def plan_sheet(ctx: AppContext, disclosure: Disclosure) -> SheetData:
    texts, regions, zone = ctx.texts, ctx.config.regions, ctx.config.timezone
    rows = [
        [
            plan.id,
            local_date(plan.created_at, zone),
            texts.level_name(stratum["level"]),
            texts.region_name(regions, stratum["region"]),
            texts.class_short(stratum["class"]),
            texts.public_grade(stratum["grade"]),
            texts.public_task_kind(stratum["kind"]),
            stratum["population"],
            texts.percent(Fraction(stratum["ratio"])),
            texts.public_multiplier(Fraction(stratum["multiplier"])),
            stratum["quota"],
            stratum["already_drawn"],
            stratum["to_draw"],
            texts.public_amends(plan.amends),
            plan.reason or "",
        ]
        for plan in disclosure.plans
        for stratum in plan.strata
    ]
    # The plans name no target, only counts per stratum; the draws themselves wait.
    note = "" if disclosure.draws_disclosed else texts.public_draws_withheld()
    return SheetData(
        texts.public_plans_title(), texts.public_plan_headers(), rows, fit=True, note=note
    )


def write_file(ctx: AppContext, disclosure: Disclosure, path: Path) -> None:
    """An .xlsx of the results, the item list and the plans; a .csv of the results alone."""
    results = result_sheet(ctx, disclosure)
    if path.suffix.lower() == ".csv":
        write_csv(path, results.headers, results.rows)
    else:
        write_sheets(path, [results, item_sheet(ctx, disclosure), plan_sheet(ctx, disclosure)])
