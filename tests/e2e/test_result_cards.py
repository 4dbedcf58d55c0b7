"""The result card through the real Application and the fake Bot API: pushed to the team when a
result is in (text, then the thumbnails as an album), shown again by /task_<id> to the team and
the admins and to nobody else; /tasks shows 检查中 and 已提交; idle drafts are warned of, then
expire. Results are written with the result store (the chat form that writes them is tested on
its own); the photos are real images made by Pillow, stored as the evidence store stores them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.services import outbox
from bot.services.result_cards import enqueue_result_cards
from spotcheck.classes import SupervisionClass
from spotcheck.inspection import EvidenceSource, ItemAnswer
from spotcheck.roles import Role
from spotcheck.states import FormKind
from storage import draft_store, result_store
from storage.bot_models import OutboxMessage, TelegramAccount
from storage.draw_models import Assignment, AssignmentMember
from storage.evidence_store import PhotoLimits, inspect_image, store
from storage.models import InspectionItem
from storage.result_store import CheckinInput, ItemInput
from tests.e2e.conftest import NOT_YOURS, BotHarness, OpenBot
from tests.e2e.fake_telegram import TgUser
from tests.evidence_images import exif_of, jpeg
from tests.factories_results import CHECKED_IN, result_input

JINGXIU, LIANCHI, CITY = "130602", "130606", "130600"
SUBMITTED_AT = datetime(2026, 11, 3, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
TAKEN = datetime(2026, 11, 3, 10, 12, 5)
T0 = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@dataclass
class Checked:
    assignment: Assignment
    team: dict[str, TgUser]  # cert → user, the team in force (bound)
    others: dict[str, TgUser]  # everyone else bound
    submitter: str
    items: list[tuple[str, str]]  # (code, name) answered


async def bind_people(bot: BotHarness) -> dict[str, TgUser]:
    """The county's inspectors, lead and county admin, a city admin and another county's admin."""
    staff = [
        *await bot.staff(Role.INSPECTOR, JINGXIU),
        *await bot.staff(Role.LEAD, JINGXIU),
        *await bot.staff(Role.COUNTY_ADMIN, JINGXIU),
        (await bot.staff(Role.ADMIN, CITY))[0],
        (await bot.staff(Role.COUNTY_ADMIN, LIANCHI))[0],
    ]
    return {p.cert_no: await bot.bind(9300 + i, p.cert_no) for i, p in enumerate(staff)}


async def drawn(bot: BotHarness) -> tuple[Assignment, dict[str, TgUser], dict[str, TgUser]]:
    """A county drawn and pushed; its first on-site assignment, its bound team and the rest."""
    people = await bind_people(bot)
    await bot.draw_county(JINGXIU, SupervisionClass.SPECIAL)
    await bot.settle()
    [assignment, *_] = await bot.all(
        select(Assignment).where(Assignment.kind == "onsite").order_by(Assignment.id)
    )
    members = await bot.all(
        select(AssignmentMember.person_key).where(AssignmentMember.assignment_id == assignment.id)
    )
    team = {c: u for c, u in people.items() if c in members}
    assert team, "the first team has nobody bound"
    return assignment, team, {c: u for c, u in people.items() if c not in members}


async def checked(bot: BotHarness, photos: list[tuple[bytes, EvidenceSource, str]]) -> Checked:
    """A drawn assignment with a result and these photos (bytes, how they came, caption)."""
    assignment, team, others = await drawn(bot)
    submitter = next(iter(team))
    items = [
        (i.code, i.name)
        for i in await bot.all(select(InspectionItem).order_by(InspectionItem.code).limit(2))
    ]
    evidence_dir = bot.ctx.config.storage.evidence_dir
    async with bot.ctx.sessions() as session, session.begin():
        for data, source, note in photos:
            facts = inspect_image(data, PhotoLimits())
            await asyncio.to_thread(store, data, facts, evidence_dir)
            await result_store.add_evidence(
                session, assignment.id, facts, source=source, received_by=submitter, note=note
            )
        await result_store.save_result(
            session,
            result_input(
                assignment.id,
                items=(
                    ItemInput(items[0][0], ItemAnswer.OK),
                    ItemInput(items[1][0], ItemAnswer.PROBLEM, "标识缺失"),
                ),
                checkin=CheckinInput(38.8712, 115.4633, 152.4, False, CHECKED_IN),
                submitted_by=submitter,
                submitted_at=SUBMITTED_AT,
            ),
        )
    return Checked(assignment, team, others, submitter, items)


async def push_cards(bot: BotHarness, assignment_id: int) -> int:
    async with bot.ctx.sessions() as session, session.begin():
        told = await enqueue_result_cards(session, bot.ctx, assignment_id)
    bot.sender.wake()
    await bot.settle()
    return told


def three_photos() -> list[tuple[bytes, EvidenceSource, str]]:
    return [
        (
            jpeg(seed=1, exif=exif_of(TAKEN, 38.8712, 115.4633)),
            EvidenceSource.DOCUMENT,
            "",
        ),
        (jpeg(seed=2), EvidenceSource.PHOTO, "围墙外"),
        (jpeg(seed=3), EvidenceSource.PHOTO, ""),
    ]


async def expected_card(bot: BotHarness, case: Checked, photo_lines: list[str]) -> str:
    target = await bot.target(case.assignment.credit_code)
    name = await bot.name_of(case.submitter)
    return "\n".join(
        [
            f"【检查结果】{target.name}（{target.credit_code}）",
            f"任务 {case.assignment.id} · {case.assignment.quarter} · 已提交",
            "结论：发现问题已责令改正",
            "签到：距检查对象 152 米",
            "签到时间：2026-11-03 09:30",
            "检查事项：",
            f"· {case.items[0][1]}：未发现问题",
            f"· {case.items[1][1]}：发现问题（标识缺失）",
            "检查发现：危废暂存间未设置标识",
            *photo_lines,
            "后续处理：",
            "· 责令整改，期限 2026-11-18",
            "· 移交：保定市应急管理局",
            f"提交人：{name}（{case.submitter}），2026-11-03 10:30",
        ]
    )


THREE_PHOTO_LINES = [
    "照片：3 张",
    "  1. 拍摄于 2026-11-03 10:12:05，GPS 38.87120, 115.46330",
    "  2. 照片无拍摄信息（经 Telegram 压缩）；围墙外",
    "  3. 照片无拍摄信息（经 Telegram 压缩）",
]


def cards(bot: BotHarness, user: TgUser) -> list[str]:
    return [t for t in bot.said(user.id) if t.startswith("【检查结果】")]


def albums(bot: BotHarness, user: TgUser) -> list[list[dict[str, Any]]]:
    """The albums the bot sent to that chat, each as its photos' sizes."""
    calls = [c for c in bot.fake.calls_to("sendMediaGroup") if c.ok and c.chat_id == user.id]
    return [c.params["media"] for c in calls]


def photos_in(bot: BotHarness, user: TgUser) -> list[dict[str, Any]]:
    return [m for m in bot.fake.sent_to(user.id) if "photo" in m]


# --- the card pushed when a result is in ------------------------------------------------------


async def test_result_card_reaches_the_team_with_thumbnails_and_nobody_else(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        case = await checked(bot, three_photos())
        told = await push_cards(bot, case.assignment.id)

    assert told == len(case.team)
    card = await expected_card(bot, case, THREE_PHOTO_LINES)
    for user in case.team.values():  # the submitter too: his confirmation
        assert cards(bot, user) == [card]
        assert len(albums(bot, user)) == 1 and len(albums(bot, user)[0]) == 3
        sent = photos_in(bot, user)
        assert len(sent) == 3 and len({m["media_group_id"] for m in sent}) == 1
        # thumbnails, not the originals: 640×480 arrives as 320×240
        assert [(m["photo"][-1]["width"], m["photo"][-1]["height"]) for m in sent] == [
            (320, 240)
        ] * 3
        assert bot.said(user.id).index(card) < bot.fake.sent_to(user.id).index(sent[0])
    for user in case.others.values():  # other inspectors, the admins: not pushed to them
        assert cards(bot, user) == [] and photos_in(bot, user) == []


async def test_eleven_photos_go_as_an_album_of_ten_then_a_single_photo(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    photos = [(jpeg((96, 64), seed=s), EvidenceSource.PHOTO, "") for s in range(11)]
    async with bot.running():
        case = await checked(bot, photos)
        await push_cards(bot, case.assignment.id)

    user = case.team[case.submitter]
    assert [len(a) for a in albums(bot, user)] == [10]
    singles = [c for c in bot.fake.calls_to("sendPhoto") if c.ok and c.chat_id == user.id]
    assert len(singles) == 1
    assert len(photos_in(bot, user)) == 11
    assert cards(bot, user)[0].count("照片无拍摄信息") == 11


async def test_a_missing_thumbnail_fails_its_row_and_the_rest_still_arrives(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    evidence = tmp_path / "evidence"
    bot = await open_bot(storage={"evidence_dir": str(evidence)})
    async with bot.running():
        case = await checked(bot, three_photos())
        for thumb in (evidence / "thumbs").rglob("*.jpg"):
            thumb.unlink()
        await push_cards(bot, case.assignment.id)

    user = case.team[case.submitter]
    assert len(cards(bot, user)) == 1 and photos_in(bot, user) == []


async def test_no_result_no_card(bot: BotHarness) -> None:
    async with bot.running():
        assignment, _, _ = await drawn(bot)
        before = len(bot.fake.calls)
        assert await push_cards(bot, assignment.id) == 0
    assert [c for c in bot.fake.calls[before:] if c.method.startswith("send")] == []


# --- /task_<id> of a checked assignment ---------------------------------------------------------


async def test_task_command_shows_the_card_to_team_and_admins_and_refuses_others(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        case = await checked(bot, three_photos())
        county_admin = (await bot.staff(Role.COUNTY_ADMIN, JINGXIU))[0].cert_no
        city_admin = (await bot.staff(Role.ADMIN, CITY))[0].cert_no
        other_admin = (await bot.staff(Role.COUNTY_ADMIN, LIANCHI))[0].cert_no
        allowed = [*case.team.values(), case.others[county_admin], case.others[city_admin]]
        outsiders = [u for c, u in case.others.items() if c not in (county_admin, city_admin)]
        assert case.others[other_admin] in outsiders and len(outsiders) >= 2
        for user in [*allowed, *outsiders]:
            await bot.send(user, f"/task_{case.assignment.id}")

    card = await expected_card(bot, case, THREE_PHOTO_LINES)
    for user in allowed:
        assert cards(bot, user) == [card]
        assert [len(a) for a in albums(bot, user)] == [3]
        assert bot.fake.buttons(bot.fake.sent_to(user.id)[-4]) == []  # no 接受 on a result
    for user in outsiders:
        assert cards(bot, user) == [] and photos_in(bot, user) == []
        assert bot.said(user.id)[-1] == NOT_YOURS


# --- /tasks: 检查中 and 已提交 --------------------------------------------------------------------


async def test_tasks_shows_inspecting_and_submitted(bot: BotHarness) -> None:
    async with bot.running():
        people = await bind_people(bot)
        await bot.draw_county(JINGXIU, SupervisionClass.SPECIAL)
        await bot.settle()
        places = await bot.all(select(AssignmentMember).order_by(AssignmentMember.id))
        tasks: dict[str, list[int]] = {}
        for place in places:
            tasks.setdefault(place.person_key, []).append(place.assignment_id)
        cert = next(c for c in people if len(tasks.get(c, [])) >= 2)
        user = people[cert]
        submitted, drafting = tasks[cert][:2]
        async with bot.ctx.sessions() as session, session.begin():
            await result_store.save_result(session, result_input(submitted, submitted_by=cert))
            await draft_store.open_draft(
                session, user.id, FormKind.INSPECTION, {}, "checkin", T0, str(drafting)
            )
        await bot.send(user, "/tasks")

    lines = (bot.fake.last_text(user.id) or "").split("\n")

    def state_of(task: int) -> str:
        [line] = [x for x in lines if x.endswith(f" /task_{task}")]
        return line.rsplit("，", 1)[1].split(" ")[0]

    assert state_of(submitted) == "已提交"
    assert state_of(drafting) == "检查中"
    assert {state_of(t) for t in tasks[cert][2:]} <= {"待接受"}


# --- idle drafts: a warning, then expiry --------------------------------------------------------


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def set_clock(bot: BotHarness, moment: datetime) -> None:
    bot.app.bot_data.schedule.clock = lambda: moment


async def an_inspection_draft(bot: BotHarness) -> tuple[draft_store.Draft, TgUser, Assignment]:
    assignment, team, _ = await drawn(bot)
    cert, user = next(iter(team.items()))
    evidence_dir = bot.ctx.config.storage.evidence_dir
    data = jpeg(seed=7)
    facts = inspect_image(data, PhotoLimits())
    await asyncio.to_thread(store, data, facts, evidence_dir)
    async with bot.ctx.sessions() as session, session.begin():
        opened = await draft_store.open_draft(
            session, user.id, FormKind.INSPECTION, {"k": 1}, "photos", T0, str(assignment.id)
        )
        await result_store.add_evidence(
            session, assignment.id, facts, source=EvidenceSource.PHOTO, received_by=cert
        )
    return opened.draft, user, assignment


async def warned(bot: BotHarness, draft_id: int, timeout: float = 5.0) -> None:
    """Until the start's run has warned of the draft."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with bot.ctx.sessions() as session:
            found = await draft_store.get(session, draft_id)
        if found is not None and found.warned_at is not None:
            return
        assert loop.time() < deadline, "the start's run did not warn"
        await asyncio.sleep(0.01)


def draft_notices(bot: BotHarness, user: TgUser) -> list[str]:
    return [t for t in bot.said(user.id) if t.startswith("您的检查草稿")]


async def test_an_idle_draft_is_warned_once_then_expires_and_its_holder_is_told(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        set_clock(bot, T0)
        draft, user, assignment = await an_inspection_draft(bot)
        name = (await bot.target(assignment.credit_code)).name
        schedule = bot.app.bot_data.schedule
        for moment in (hours(47), hours(49), hours(50), hours(72.5)):
            set_clock(bot, moment)
            await schedule.drafts()
            await bot.settle()
        warned = list(draft_notices(bot, user))
        async with bot.ctx.sessions() as session:
            kept = await draft_store.get(session, draft.id)
        set_clock(bot, hours(73))
        await schedule.drafts()
        await bot.settle()
        async with bot.ctx.sessions() as session, session.begin():
            gone = await draft_store.get(session, draft.id)
            # the draft's stale button: the compare-and-set finds nothing to answer
            stale = await draft_store.save_answer(
                session, draft.id, draft.version, {"k": 2}, "category", hours(73)
            )
            evidence = await result_store.evidence_of(session, assignment.id)

    # warned at 49 h (one warning, whatever runs follow); expiry at 72 h + the grace it still
    # had (warned at 49 h, 24 h before expiring): 2026-11-06 10:00 Shanghai
    assert warned == [
        f"您的检查草稿（{name}）已 49 小时未填写，将于 2026-11-06 10:00 过期；发送 /resume 继续。"
    ]
    assert kept is not None and kept.warned_at is not None
    assert draft_notices(bot, user) == [
        *warned,
        f"您的检查草稿（{name}）已 73 小时未填写，已过期作废。已收到的 1 张照片仍作为证据保存。"
        "如需继续检查，请在任务上重新点「开始检查」。",
    ]
    assert gone is None and stale is None
    assert len(evidence) == 1  # the photo stays


async def test_an_answer_after_the_warning_keeps_the_draft(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        set_clock(bot, T0)
        draft, user, _ = await an_inspection_draft(bot)
        schedule = bot.app.bot_data.schedule
        set_clock(bot, hours(49))
        await schedule.drafts()
        async with bot.ctx.sessions() as session, session.begin():
            version = await draft_store.save_answer(
                session, draft.id, draft.version, {"k": 2}, "category", hours(60)
            )
        set_clock(bot, hours(80))
        await schedule.drafts()
        await bot.settle()
        async with bot.ctx.sessions() as session:
            still = await draft_store.get(session, draft.id)

    assert version == draft.version + 1
    assert still is not None and still.warned_at is None
    assert len(draft_notices(bot, user)) == 1  # the first warning only: idle 20 h since


async def test_after_downtime_the_start_warns_first_and_expires_only_after_the_grace(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        set_clock(bot, T0)
        draft, user, _ = await an_inspection_draft(bot)
        async with bot.ctx.sessions() as session, session.begin():
            await draft_store.open_draft(session, 424242, FormKind.DRAW, {}, "level", T0)
    # down for 100 hours: the start's run warns, and expires nothing yet
    set_clock(bot, hours(100))
    async with bot.running():
        await warned(bot, draft.id)
        await bot.settle()
        async with bot.ctx.sessions() as session:
            after_start = await draft_store.get(session, draft.id)
            drafts_at_start = await draft_store.of_user(session, 424242)
        schedule = bot.app.bot_data.schedule
        set_clock(bot, hours(123))
        await schedule.drafts()
        async with bot.ctx.sessions() as session:
            before_grace = await draft_store.get(session, draft.id)
        set_clock(bot, hours(124))
        await schedule.drafts()
        await bot.settle()
        async with bot.ctx.sessions() as session:
            after_grace = await draft_store.get(session, draft.id)
            drafts_after = await draft_store.of_user(session, 424242)

    notices = draft_notices(bot, user)
    assert len(notices) == 2 and "已 100 小时未填写，将于" in notices[0]
    assert "已 124 小时未填写，已过期作废" in notices[1]
    assert after_start is not None and before_grace is not None and after_grace is None
    # a /draw draft lapses after the same hours, silently
    assert [d.warned_at is not None for d in drafts_at_start] == [True]
    assert drafts_after == []


# --- the outbox's photo rows under Telegram's answers ------------------------------------------


def test_a_media_group_row_holds_two_to_ten_photos() -> None:
    assert outbox.media_group(1, ["a", "b"]).payload == {"kind": "media_group", "paths": ["a", "b"]}
    for wrong in (["a"], [str(i) for i in range(11)]):
        with pytest.raises(ValueError):
            outbox.media_group(1, wrong)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # retry_after
async def test_an_album_refused_with_429_is_sent_again_once(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(virtual_time=True, storage={"evidence_dir": str(tmp_path / "evidence")})
    assert bot.clock is not None
    async with bot.running():
        case = await checked(bot, three_photos())
        bot.fake.fail_next("sendMediaGroup", 429, retry_after=2, times=2)
        await push_cards(bot, case.assignment.id)

    rows = await bot.all(select(OutboxMessage).order_by(OutboxMessage.id))
    albums_queued = [r for r in rows if r.payload["kind"] == "media_group"]
    assert len(albums_queued) == len(case.team)
    assert {r.state for r in albums_queued} == {"sent"}
    assert sum(r.attempts for r in albums_queued) == len(case.team) + 2
    for user in case.team.values():
        assert [len(a) for a in albums(bot, user)] == [3]
    assert bot.clock.slept >= 2


async def test_an_album_to_a_blocked_member_fails_his_rows_and_tells_the_admins(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        case = await checked(bot, three_photos())
        blocked = case.team[case.submitter]
        bot.fake.block_user(blocked.id)
        await push_cards(bot, case.assignment.id)

    rows = await bot.all(
        select(OutboxMessage)
        .where(OutboxMessage.chat_id == blocked.id)
        .where(OutboxMessage.payload["kind"].as_string().in_(["media_group", "message"]))
        .order_by(OutboxMessage.id)
    )
    assert rows[-1].payload["kind"] == "media_group" and rows[-1].state == "failed"
    assert albums(bot, blocked) == []
    [account] = await bot.all(select(TelegramAccount).where(TelegramAccount.user_id == blocked.id))
    assert not account.reachable
