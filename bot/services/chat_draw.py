"""The /draw form in chat: quarter → level → region → class → directed filter → seed → preview
→ confirm. Each answer is stored in the database with a version that the buttons carry, so a
restart loses nothing and a stale or forged button changes nothing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from bot.context import AppContext
from bot.services import draws
from bot.services.draws import DrawOutcome, DrawRequest
from bot.services.identity import Person
from bot.services.problems import ServiceProblem
from spotcheck.classes import SupervisionClass
from spotcheck.deadlines import Quarter
from spotcheck.draw import DrawFilters
from spotcheck.numerals import parse_decimal
from spotcheck.quota import Level, StratumPlan
from spotcheck.roles import Role, may_draw
from spotcheck.states import FormKind
from storage import form_store
from storage.models import Tag

STEPS = ("quarter", "level", "region", "class", "tag", "seed", "preview")
MAX_TAGS = 8


class FormProblem(ServiceProblem):
    """A form step refused: stale or forged button, or beyond the caller's rights."""


@dataclass
class Step:
    """What to ask next: a field and its options as (value, label data), or the preview."""

    field: str
    version: int
    options: list[str] = dataclasses.field(default_factory=list)
    preview: tuple[StratumPlan, ...] = ()
    choices: dict[str, Any] = dataclasses.field(default_factory=dict)


def _first_open(data: dict[str, Any]) -> str:
    return next(s for s in STEPS if s == "preview" or data.get(s) is None)


async def start(ctx: AppContext, person: Person, today: date) -> Step:
    if person.role not in (Role.ADMIN, Role.COUNTY_ADMIN):
        raise FormProblem("not_admin")
    quarter = Quarter.containing(today)
    data: dict[str, Any] = {
        "quarter": None,
        "quarters": [str(quarter), str(quarter.next())],
        "level": None if person.role is Role.ADMIN else Level.COUNTY.value,
        "region": None if person.role is Role.ADMIN else person.region,
        "class": None,
        "tag": None,
        "seed": None,
    }
    async with ctx.sessions() as session, session.begin():
        data["tags"] = list(
            await session.scalars(
                select(Tag.name).where(Tag.kind == "target").order_by(Tag.name).limit(MAX_TAGS)
            )
        )
        form = await form_store.put(session, person.user_id, FormKind.DRAW, data)
        return await _step(ctx, person.actor, form.version, data)


async def choose(
    ctx: AppContext, person: Person, version: int, field_name: str, value: str
) -> Step:
    """One answer from a button; anything but the current question of the current version is
    refused as stale."""
    async with ctx.sessions() as session, session.begin():
        form = await form_store.get(session, person.user_id)
        if form is None or form.kind != FormKind.DRAW or form.version != version:
            raise FormProblem("stale")
        data = dict(form.data)
        if _first_open(data) != field_name or not _valid(ctx, data, field_name, value):
            raise FormProblem("stale")
        data[field_name] = value
        if field_name == "level" and value == Level.CITY.value:
            data["region"] = "-"
        if not may_draw(person.role, person.region, data["level"] or "county", _region(data)):
            raise FormProblem("not_allowed")
        form = await form_store.put(session, person.user_id, FormKind.DRAW, data)
        return await _step(ctx, person.actor, form.version, data)


async def seed_text(ctx: AppContext, person: Person, text: str) -> Step | None:
    """A typed message while the form waits for a seed: the public seed text. None when no
    form waits for one (the text is then for someone else, e.g. Q&A)."""
    async with ctx.sessions() as session, session.begin():
        form = await form_store.get(session, person.user_id)
        if form is None or form.kind != FormKind.DRAW or _first_open(form.data) != "seed":
            return None
        data = {**form.data, "seed": "text:" + text.strip()}
        form = await form_store.put(session, person.user_id, FormKind.DRAW, data)
        return await _step(ctx, person.actor, form.version, data)


def _valid(ctx: AppContext, data: dict[str, Any], field_name: str, value: str) -> bool:
    if field_name == "quarter":
        return value in data["quarters"]
    if field_name == "level":
        return value in (Level.CITY.value, Level.COUNTY.value)
    if field_name == "region":
        return ctx.config.regions.is_county(value)
    if field_name == "class":
        return value == "all" or value in {c.value for c in SupervisionClass}
    if field_name == "tag":
        return value == "all" or parse_decimal(value, len(data["tags"]) - 1) is not None
    if field_name == "seed":
        return value == "server"
    return False


def _region(data: dict[str, Any]) -> str | None:
    region = data.get("region")
    return None if region in (None, "-") else str(region)


def request_of(actor: str, data: dict[str, Any], chat_id: int | None) -> DrawRequest:
    """The draw the form describes, asked for by `actor`; `chat_id` gets the record."""
    tag = data.get("tag")
    seed = str(data.get("seed") or "")
    return DrawRequest(
        quarter=data["quarter"],
        level=Level(data["level"]),
        actor=actor,
        region=_region(data),
        supervision_class=None
        if data["class"] in (None, "all")
        else SupervisionClass(data["class"]),
        filters=DrawFilters()
        if tag in (None, "all")
        else DrawFilters(tags=frozenset({data["tags"][int(tag)]})),
        seed_text=seed.removeprefix("text:") if seed.startswith("text:") else None,
        notify_chat=chat_id,
    )


async def _step(ctx: AppContext, actor: str, version: int, data: dict[str, Any]) -> Step:
    name = _first_open(data)
    if name == "quarter":
        return Step(name, version, list(data["quarters"]))
    if name == "level":
        return Step(name, version, [Level.COUNTY.value, Level.CITY.value])
    if name == "region":
        return Step(name, version, sorted(ctx.config.regions.counties))
    if name == "class":
        return Step(name, version, ["all", *(c.value for c in SupervisionClass)])
    if name == "tag":
        return Step(
            name, version, ["all", *(str(i) for i in range(len(data["tags"])))], choices=data
        )
    if name == "seed":
        return Step(name, version, ["server"])
    plan = await draws.preview(ctx, request_of(actor, data, None))
    return Step("preview", version, ["confirm", "cancel"], preview=plan, choices=data)


async def confirm(ctx: AppContext, person: Person, version: int, chat_id: int) -> DrawOutcome:
    """Run the draw the form describes; the record and the pushes go out through the outbox."""
    async with ctx.sessions() as session:
        form = await form_store.get(session, person.user_id)
    if (
        form is None
        or form.kind != FormKind.DRAW
        or form.version != version
        or _first_open(form.data) != "preview"
    ):
        raise FormProblem("stale")
    data = dict(form.data)
    if not may_draw(person.role, person.region, data["level"], _region(data)):
        raise FormProblem("not_allowed")
    outcome = await draws.execute(ctx, request_of(person.actor, data, chat_id))
    async with ctx.sessions() as session, session.begin():
        await form_store.clear(session, person.user_id)
    return outcome


async def cancel(ctx: AppContext, person: Person) -> bool:
    async with ctx.sessions() as session, session.begin():
        had = await form_store.get(session, person.user_id) is not None
        await form_store.clear(session, person.user_id)
    return had
