"""`shuangsuiji demo`: load the generated Baoding directory and show the quarter's minimums."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from bot.context import AppContext
from bot.services import demo_data
from spotcheck.classes import SupervisionClass
from spotcheck.quota import Level, quota_for
from spotcheck.roles import Role
from storage.directory_store import apply_changes, plan_changes, target_population
from storage.models import Inspector
from storage.sheets import sheet_spec

DEMO_TARGETS = 2400


async def load_demo_directory(ctx: AppContext) -> dict[str, int]:
    """Upsert the generated rows through the same path as an import; returns rows per kind."""
    regions = ctx.config.regions
    generated: dict[str, list[dict[str, Any]]] = {
        "targets": demo_data.demo_targets(regions, DEMO_TARGETS),
        "inspectors": demo_data.demo_inspectors(regions),
        "experts": demo_data.demo_experts(regions),
        "items": demo_data.demo_items(),
    }
    async with ctx.sessions() as session, session.begin():
        for kind, rows in generated.items():
            spec = sheet_spec(kind, regions)
            change = await plan_changes(session, spec, {spec.key_of(r): r for r in rows}, False)
            await apply_changes(session, spec, change, actor="demo")
    return {kind: len(rows) for kind, rows in generated.items()}


async def staff(ctx: AppContext, role: Role, region: str) -> list[Inspector]:
    """The directory's people of one role in one region, by certificate number (the demo's
    chat, and tests, pick their cast with it)."""
    async with ctx.sessions() as session:
        found = await session.scalars(
            select(Inspector)
            .where(Inspector.role == role.value, Inspector.region_code == region)
            .order_by(Inspector.cert_no)
        )
        return list(found)


async def run_demo(ctx: AppContext, today: date | None = None) -> list[str]:
    counts = await load_demo_directory(ctx)
    async with ctx.sessions() as session:
        population = await target_population(session)
    texts, regions, ratios = ctx.texts, ctx.config.regions, ctx.config.policy.ratios
    day = today or date.today()
    quarter = f"{day.year}Q{(day.month - 1) // 3 + 1}"
    lines = [
        texts.demo_loaded(
            counts["targets"], counts["inspectors"], counts["experts"], counts["items"]
        ),
        "",
        texts.demo_table_title(quarter),
    ]
    table = [texts.demo_headers()]
    totals = {cls: 0 for cls in SupervisionClass}
    for code, name in sorted(regions.counties.items()):
        special = population.get((code, SupervisionClass.SPECIAL, False), 0)
        special += population.get((code, SupervisionClass.SPECIAL, True), 0)
        key = population.get((code, SupervisionClass.KEY, False), 0)
        key += population.get((code, SupervisionClass.KEY, True), 0)
        general = population.get((code, SupervisionClass.GENERAL, False), 0)
        positive = population.get((code, SupervisionClass.GENERAL, True), 0)
        totals[SupervisionClass.SPECIAL] += special
        totals[SupervisionClass.KEY] += key
        totals[SupervisionClass.GENERAL] += general
        county = {cls: ratios.ratio(Level.COUNTY, cls) for cls in SupervisionClass}
        table.append(
            [
                name,
                str(special),
                str(key),
                str(general),
                str(positive),
                str(quota_for(county[SupervisionClass.SPECIAL], special)),
                str(quota_for(county[SupervisionClass.KEY], key)),
                str(quota_for(county[SupervisionClass.GENERAL], general)),
                str(positive),
            ]
        )
    lines += aligned(table)
    city = {cls: ratios.ratio(Level.CITY, cls) for cls in SupervisionClass}
    lines += [
        "",
        texts.demo_city_line(*(quota_for(city[c], totals[c]) for c in SupervisionClass)),
    ]
    return lines


async def next_steps(ctx: AppContext) -> list[str]:
    """Who the city admins are, and the commands that put the bot in service with the first."""
    async with ctx.sessions() as session:
        admins = list(
            await session.execute(
                select(Inspector.name, Inspector.cert_no)
                .where(Inspector.active, Inspector.role == Role.ADMIN.value)
                .where(Inspector.region_code == ctx.config.regions.code)
                .order_by(Inspector.cert_no)
            )
        )
    return ["", *ctx.texts.demo_next_steps([(name, cert) for name, cert in admins])]


def aligned(table: list[list[str]]) -> list[str]:
    """Columns padded by display width: a Chinese character takes two cells in a terminal."""

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    widths = [max(width(row[i]) for row in table) for i in range(len(table[0]))]
    return [
        "  ".join(
            cell + " " * (widths[i] - width(cell))
            if i == 0
            else " " * (widths[i] - width(cell)) + cell
            for i, cell in enumerate(row)
        )
        for row in table
    ]
