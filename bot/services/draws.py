"""Draw use cases: preview a plan, execute a draw, commit to entropy, replace an inspector,
verify a record. The rules are spotcheck's; this module gathers their inputs from the database
and stores what they return, all in one transaction."""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import zlib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.services.collector import collector_paused
from bot.services.outbox import record_document
from bot.services.problems import ServiceProblem
from bot.services.progress import Progress, untold
from bot.services.pushes import enqueue_pushes, enqueue_withdrawn
from spotcheck.classes import SupervisionClass
from spotcheck.deadlines import Quarter, check_due
from spotcheck.draw import DrawFilters, ExclusionReason
from spotcheck.matching import Assignment as Task
from spotcheck.matching import MatchRules
from spotcheck.public_record import is_public_extract, verify_public_extract
from spotcheck.quota import Level, StratumPlan, TaskKind
from spotcheck.record import (
    LIST_NAMES,
    DrawInputs,
    EncodedRecord,
    JointCheck,
    ReplacementInputs,
    SeedInput,
    VerifyOutcome,
    canonical_json,
    commitment_of,
    draw_record,
    plan_draw,
    read_rules,
    replacement_record,
    verify_record,
)
from spotcheck.states import MemberState, PersonKind, RecordKind
from storage import draw_store, list_store, violation_store
from storage.audit import audit
from storage.draw_models import DrawCommitment, DrawPlan
from storage.models import utcnow
from storage.safe_zip import UnsafeZip, gunzipped


class DrawProblem(ServiceProblem):
    """A draw the service will not make."""


@dataclass(frozen=True)
class DrawRequest:
    quarter: str
    level: Level
    actor: str
    region: str | None = None
    supervision_class: SupervisionClass | None = None
    filters: DrawFilters = field(default_factory=DrawFilters)
    seed_text: str | None = None
    commitment_id: int | None = None
    joint: JointCheck = field(default_factory=JointCheck)
    experts_per_check: int = 0
    cross_region: bool | None = None  # None: as configured
    amends: int | None = None
    reason: str | None = None
    notify_chat: int | None = None  # a chat to send the record to (the admin who drew in chat)
    # The day it is asked on: a quarter that has ended is drawn only with a reason, kept in the
    # record (late draws happen, and are recorded as such). Chat offers no ended quarter.
    today: date | None = None

    def plan_key(self) -> str:
        """What makes two requests the same plan: drawing it twice needs an amendment."""
        scope = {
            "quarter": self.quarter,
            "level": self.level.value,
            "region": self.region,
            "class": None if self.supervision_class is None else self.supervision_class.value,
            "filters": self.filters.to_json(),
            "joint": self.joint.to_json(),
        }
        return hashlib.sha256(canonical_json(scope)).hexdigest()


@dataclass(frozen=True)
class DrawOutcome:
    record_id: int
    # The record as stored: its body (the lists named by hash) and the caller's fields. The
    # whole record, lists included, is `record_bytes(ctx, record_id)`.
    record: dict[str, Any]

    @property
    def tasks(self) -> list[dict[str, Any]]:
        tasks: list[dict[str, Any]] = self.record["assignments"]
        return tasks

    @property
    def seed(self) -> dict[str, Any]:
        """How the draw was seeded, as published: value, public text, commitment."""
        seed: dict[str, Any] = self.record["seed"]
        return seed

    def _of_kind(self, kind: TaskKind) -> list[dict[str, Any]]:
        return [t for t in self.tasks if t["kind"] == kind.value]

    @property
    def onsite(self) -> int:
        """Targets drawn for an on-site check (现场检查)."""
        return len(self._of_kind(TaskKind.ONSITE))

    @property
    def offsite(self) -> int:
        """Targets drawn for off-site supervision (非现场监管): no team goes there."""
        return len(self._of_kind(TaskKind.OFFSITE))

    @property
    def inspector_visits(self) -> int:
        """Inspectors sent, counted once per on-site team (人次): one may serve on several."""
        return sum(len(t["inspectors"]) for t in self._of_kind(TaskKind.ONSITE))

    @property
    def expert_visits(self) -> int:
        """Experts sent, counted once per on-site team they join (人次)."""
        return sum(len(t["experts"]) for t in self._of_kind(TaskKind.ONSITE))


def _quarter(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError:
        raise DrawProblem("bad_quarter", quarter=text) from None


@dataclass(frozen=True)
class TargetsListed:
    """Which targets list a draw read: its scope (a county, "" the city) and the directory's
    version, None when the directory changed while it was read (then nothing is cached)."""

    scope: str
    version: int | None


async def _inputs(
    ctx: AppContext,
    session: AsyncSession,
    request: DrawRequest,
    seed: SeedInput,
    plan_id: int | None,
) -> tuple[DrawInputs, TargetsListed]:
    quarter = _quarter(request.quarter)
    policy = ctx.config.policy
    if request.region is not None and not ctx.config.regions.is_county(request.region):
        raise DrawProblem("unknown_region", region=request.region)
    # A county's record holds its own targets only: it is sent to the county admin, and other
    # counties' exclusions would tell him what was drawn there.
    county = request.region if request.level is Level.COUNTY else None
    before = await list_store.targets_version(session)
    everyone = await draw_store.target_candidates(session, region=county)
    # The same version before and after: no change committed in between, so the list read is
    # that version's, and its hash (if encoded before) can be named without encoding it.
    version = before if await list_store.targets_version(session) == before else None
    listed = TargetsListed(county or "", version)
    known = {}
    if version is not None and (sha := await list_store.cached(session, listed.scope, version)):
        known["targets"] = sha
    in_scope = {t.credit_code for t, _ in everyone}
    exclusions: dict[str, str] = {
        t.credit_code: ExclusionReason.INACTIVE for t, active in everyone if not active
    }
    since = quarter.first_day - timedelta(days=policy.recheck_exclusion_days)
    for code in await draw_store.checked_since(session, since) & in_scope:
        exclusions.setdefault(code, ExclusionReason.RECENTLY_CHECKED)
    drawn = await draw_store.drawn_this_quarter(
        session, request.quarter, request.level.value, plan_id
    )
    for code in drawn & in_scope:
        exclusions.setdefault(code, ExclusionReason.ALREADY_DRAWN)
    filters, region = request.filters, request.region
    if filters.violation_within_days is not None:
        # 违法记录: the targets in scope with a violation found within N days before the quarter
        since = quarter.first_day - timedelta(days=filters.violation_within_days)
        found = await violation_store.violators_since(session, since, quarter.first_day)
        filters = replace(filters, violators=frozenset(found & in_scope))
    if request.level is Level.CITY and region is not None:
        # A city-level draw covers the whole city; naming a county narrows it as a filter.
        filters, region = replace(filters, regions=filters.regions | {region}), None
    cross = policy.cross_region if request.cross_region is None else request.cross_region
    rules = MatchRules(
        per_check=policy.inspectors_per_check,
        max_per_quarter=policy.max_checks_per_inspector,
        level=request.level,
        cross_region=cross and request.level is Level.CITY,
        experts_per_check=request.experts_per_check,
    )
    return DrawInputs(
        quarter=request.quarter,
        level=request.level,
        seed=seed,
        targets=[t for t, _ in everyone],
        inspectors=await draw_store.inspector_candidates(session, request.quarter),
        rules=rules,
        region=region,
        supervision_class=request.supervision_class,
        filters=filters,
        ratios=policy.ratios,
        multipliers=policy.grade_multipliers,
        joint=request.joint,
        experts=await draw_store.expert_candidates(session, request.quarter)
        if request.experts_per_check
        else (),
        conflicts=frozenset(c for c in await draw_store.conflicts(session) if c[1] in in_scope),
        exclusions=exclusions,
        known_lists=known,
        keep_list_items=False,
    ), listed


async def preview(ctx: AppContext, request: DrawRequest) -> tuple[StratumPlan, ...]:
    """The plan a draw would follow (`draw --dry-run`): every stratum's population and quota."""
    async with ctx.sessions() as session:
        plan = await draw_store.plan_by_key(session, request.plan_key())
        inputs, _ = await _inputs(
            ctx, session, request, SeedInput(public_text=""), plan.id if plan else None
        )
    return plan_draw(inputs)


async def commit_entropy(ctx: AppContext, actor: str) -> tuple[int, str]:
    """`draw commit`: keep 256 bits of server entropy secret and publish their SHA-256."""
    entropy = secrets.token_bytes(32)
    commitment = commitment_of(entropy)
    async with ctx.sessions() as session, session.begin():
        row = DrawCommitment(created_by=actor, entropy_hex=entropy.hex(), commitment=commitment)
        session.add(row)
        await session.flush()
        session.add(
            audit(actor, "commit", "draw_commitments", str(row.id), new={"commitment": commitment})
        )
        return row.id, commitment


async def _seed(
    session: AsyncSession, request: DrawRequest
) -> tuple[SeedInput, DrawCommitment | None]:
    if request.commitment_id is not None:
        found = await draw_store.unused_commitment(session, request.commitment_id)
        if found is None:
            raise DrawProblem("commitment_unusable", commitment=request.commitment_id)
        seed = SeedInput(request.seed_text, bytes.fromhex(found.entropy_hex), found.commitment)
        return seed, found
    if request.seed_text is not None:
        return SeedInput(public_text=request.seed_text), None
    return SeedInput(entropy=secrets.token_bytes(32)), None


async def execute(
    ctx: AppContext, request: DrawRequest, progress: Progress = untold
) -> DrawOutcome:
    """Draw, store the immutable record and its assignments, in one transaction.

    A plan already drawn is refused unless the request amends its current record with a
    reason; two confirmations of one plan at once end with one draw (the plan key is unique
    and the current record is swapped by compare-and-set).
    """
    if request.seed_text is not None and "\x00" in request.seed_text:
        raise DrawProblem("bad_seed")
    late = request.today is not None and _quarter(request.quarter).last_day < request.today
    if late and not request.reason:
        raise DrawProblem("late_reason_required", quarter=request.quarter)
    try:
        with collector_paused():
            return await _execute(ctx, request, progress)
    except IntegrityError:
        # The plan row appeared between our look and our insert: someone else drew it. Any
        # other integrity error is a bug and is raised as such.
        async with ctx.sessions() as session:
            plan = await draw_store.plan_by_key(session, request.plan_key())
        if plan is None or plan.current_record_id is None:
            raise
        raise DrawProblem("already_drawn", record=plan.current_record_id) from None


DRAW_STEPS = 4  # candidates read, drawn, record stored, assignments and pushes written


async def _execute(ctx: AppContext, request: DrawRequest, progress: Progress) -> DrawOutcome:
    async with ctx.sessions() as session, session.begin():
        # One draw of a quarter and level at a time: the next reads this one's assignments as
        # "already drawn" and its inspectors' loads, instead of racing it.
        await draw_store.lock_draws(session, request.quarter, request.level.value)
        plan = await _plan_for(session, request)
        seed, commitment = await _seed(session, request)
        inputs, listed = await _inputs(ctx, session, request, seed, plan.id)
        progress(1, DRAW_STEPS)
        # Ranking, matching and the canonical JSON take seconds on a city's directory: in a
        # thread, so that the bot keeps answering other chats meanwhile.
        encoded = await asyncio.to_thread(draw_record, inputs)
        progress(2, DRAW_STEPS)
        if not encoded.body["assignments"]:
            raise DrawProblem("empty_plan")  # nothing to draw: no record, the plan stays free
        outcome = await _store(
            session, plan, encoded, request.actor, request.amends, request.reason
        )
        if listed.version is not None and "targets" in encoded.lists():
            sha = str(encoded.body["targets_sha256"])
            await list_store.remember(session, listed.scope, listed.version, sha)
        progress(3, DRAW_STEPS)
        if commitment is not None and not await draw_store.use_commitment(
            session, commitment.id, outcome.record_id
        ):
            raise DrawProblem("commitment_unusable", commitment=commitment.id)
        if request.amends is not None:
            await enqueue_withdrawn(session, plan.id)
            await draw_store.supersede_plan_assignments(session, plan.id)
        tasks = [_task(a) for a in outcome.tasks]
        drawn = {t.target for t in tasks}
        classes = {
            t.credit_code: t.supervision_class.value
            for t in inputs.targets
            if t.credit_code in drawn
        }
        await draw_store.insert_assignments(
            session,
            plan=plan,
            record_id=outcome.record_id,
            tasks=tasks,
            classes=classes,
            due=check_due(_quarter(request.quarter), request.today),
        )
        await enqueue_pushes(session, outcome.record_id)
        progress(4, DRAW_STEPS)
        if request.notify_chat is not None:
            session.add(
                record_document(request.notify_chat, outcome.record_id, f"#{outcome.record_id}")
            )
        return outcome


async def _plan_for(session: AsyncSession, request: DrawRequest) -> DrawPlan:
    plan = await draw_store.plan_by_key(session, request.plan_key())
    if plan is None:
        if request.amends is not None:
            raise DrawProblem("nothing_to_amend", record=request.amends)
        plan = DrawPlan(
            plan_key=request.plan_key(),
            quarter=request.quarter,
            level=request.level.value,
            region=request.region,
            supervision_class=None
            if request.supervision_class is None
            else request.supervision_class.value,
        )
        session.add(plan)
        await session.flush()
        return plan
    if request.amends is None:
        raise DrawProblem("already_drawn", record=plan.current_record_id)
    if not request.reason:
        raise DrawProblem("reason_required")
    if plan.current_record_id != request.amends:
        raise DrawProblem("not_current", record=request.amends, current=plan.current_record_id)
    return plan


async def _store(
    session: AsyncSession,
    plan: DrawPlan,
    encoded: EncodedRecord,
    actor: str,
    amends: int | None,
    reason: str | None,
) -> DrawOutcome:
    body: dict[str, Any] = encoded.body
    lists = encoded.lists()
    await list_store.store(session, lists, {name: body[f"{name}_sha256"] for name in lists})
    text = await asyncio.to_thread(encoded.compact)  # encodes the assignments: a thread too
    created_at = utcnow()
    record_id = await draw_store.insert_record(
        session,
        plan_id=plan.id,
        kind=RecordKind(body["kind"]),
        amends=amends,
        reason=reason,
        created_by=actor,
        created_at=created_at,
        body=text.decode("utf-8"),
        body_sha256=hashlib.sha256(text).hexdigest(),
        parameters=body["parameters"],
    )
    if not await draw_store.make_current(session, plan.id, record_id, amends):
        raise DrawProblem("not_current", record=amends, current=None)
    session.add(
        audit(
            actor,
            body["kind"],
            "draw_records",
            str(record_id),
            new={
                "plan": plan.plan_key,
                "amends": amends,
                "reason": reason,
                "assignments": len(body["assignments"]),
            },
        )
    )
    caller = {
        "id": record_id,
        "created_by": actor,
        "amends": amends,
        "reason": reason,
        "created_at": created_at.isoformat(),
    }
    stored = {k: v for k, v in body.items() if k not in LIST_NAMES}
    return DrawOutcome(record_id, {**stored, **caller})


def _task(data: dict[str, Any]) -> Task:
    return Task(
        target=data["target"],
        stratum=data["stratum"],
        kind=TaskKind(data["kind"]),
        inspectors=tuple(data["inspectors"]),
        lead=data["lead"],
        experts=tuple(data["experts"]),
    )


async def record_bytes(ctx: AppContext, record_id: int) -> bytes:
    """A stored record as published, whole (its lists spliced in): `draw export`, `--out`."""
    async with ctx.sessions() as session:
        record = await draw_store.record_by_id(session, record_id)
        if record is None:
            raise DrawProblem("no_record", record=record_id)
        return await draw_store.published_bytes(session, record)


async def load_record(ctx: AppContext, record_id: int) -> dict[str, Any]:
    """A stored record as published, whole, parsed (`verify RECORD_ID`)."""
    async with ctx.sessions() as session:
        record = await draw_store.record_by_id(session, record_id)
        if record is None:
            raise DrawProblem("no_record", record=record_id)
        return await draw_store.published(session, record)


async def replace_inspector(
    ctx: AppContext, record_id: int, credit_code: str, cert_no: str, reason: str, actor: str
) -> DrawOutcome:
    """`draw replace`: a new member for one team under the same constraints, as a new record
    amending the current one. The removed inspector is marked replaced, never deleted."""
    async with ctx.sessions() as session, session.begin():
        return await replace_in(session, record_id, credit_code, cert_no, reason, actor)


async def replace_in(
    session: AsyncSession, record_id: int, credit_code: str, cert_no: str, reason: str, actor: str
) -> DrawOutcome:
    """replace_inspector inside the caller's transaction (a recusal also writes its conflict
    and the notices in the same one)."""
    if not reason:
        raise DrawProblem("reason_required")
    record = await draw_store.record_by_id(session, record_id)
    if record is None:
        raise DrawProblem("no_record", record=record_id)
    plan = await draw_store.plan_by_id(session, record.plan_id)
    assert plan is not None
    if plan.current_record_id != record_id:
        raise DrawProblem("not_current", record=record_id, current=plan.current_record_id)
    teams = await draw_store.plan_teams(session, plan.id)
    current = [_team_task(a, members) for a, members in teams]
    target_team = next((t for t in current if t.target == credit_code), None)
    if target_team is None:
        raise DrawProblem("not_in_record", target=credit_code, record=record_id)
    if cert_no not in target_team.inspectors:
        raise DrawProblem("not_in_team", inspector=cert_no, target=credit_code)
    targets = await draw_store.target_candidates(session, only=credit_code)
    parameters = record.parameters or json.loads(record.body)["parameters"]
    encoded = replacement_record(
        ReplacementInputs(
            quarter=plan.quarter,
            seed=SeedInput(entropy=secrets.token_bytes(32)),
            target=targets[0][0],
            removed=cert_no,
            amended_assignments=current,
            inspectors=await draw_store.inspector_candidates(session, plan.quarter),
            rules=read_rules({"parameters": parameters}),
            conflicts=await draw_store.conflicts(session),
        )
    )
    outcome = await _store(session, plan, encoded, actor, record_id, reason)
    await _apply_replacement(session, teams, encoded.body, credit_code, cert_no)
    return outcome


def _team_task(assignment: Any, members: list[Any]) -> Task:
    inspectors = tuple(m.person_key for m in members if m.person_kind == PersonKind.INSPECTOR)
    lead = next((m.person_key for m in members if m.is_lead), None)
    experts = tuple(m.person_key for m in members if m.person_kind == PersonKind.EXPERT)
    return Task(
        assignment.credit_code,
        assignment.stratum,
        TaskKind(assignment.kind),
        inspectors,
        lead,
        experts,
    )


async def _apply_replacement(
    session: AsyncSession, teams: list[Any], body: dict[str, Any], credit_code: str, removed: str
) -> None:
    """Bring the stored team in line with the replacement record."""
    new_team = next(a for a in body["assignments"] if a["target"] == credit_code)
    assignment, members = next((a, m) for a, m in teams if a.credit_code == credit_code)
    for member in members:
        if member.person_kind != PersonKind.INSPECTOR:
            continue
        if member.person_key == removed:
            member.state = MemberState.REPLACED
        member.is_lead = member.person_key == new_team["lead"]
    present = {m.person_key for m in members}
    for cert in new_team["inspectors"]:
        if cert in present:
            continue
        # Someone replaced on this team earlier may be drawn back: his row (one per person
        # and team) comes back rather than a second one.
        former = await draw_store.team_member(session, assignment.id, PersonKind.INSPECTOR, cert)
        if former is not None:
            former.state, former.is_lead = MemberState.ASSIGNED, cert == new_team["lead"]
            continue
        draw_store.add_team_member(
            session, assignment.id, PersonKind.INSPECTOR, cert, cert == new_team["lead"]
        )


# A city draw of 200,000 targets writes 61 MB; a record file may come from anyone.
MAX_RECORD_BYTES = 1024**3


def verify_file(path: Path, max_bytes: int = MAX_RECORD_BYTES) -> VerifyOutcome:
    """`verify RECORD.json`: recompute the draw from the record alone."""
    try:
        if path.stat().st_size > max_bytes:
            return VerifyOutcome(False, "file")
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":  # the .json.gz the bot sends for large records
            data = gunzipped(data, max_bytes)
        record = json.loads(data)
    except (OSError, UnsafeZip, zlib.error, UnicodeDecodeError, json.JSONDecodeError):
        return VerifyOutcome(False, "file")
    if not isinstance(record, dict):
        return VerifyOutcome(False, "record")
    return verify(record)


def verify(record: dict[str, Any]) -> VerifyOutcome:
    """A full record, or a public extract (its target draw only: see spotcheck.public_record)."""
    with collector_paused():
        if is_public_extract(record):
            return verify_public_extract(record)
        return verify_record(record)
