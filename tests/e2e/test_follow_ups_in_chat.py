"""Follow-ups closed in chat (issue 10 item 4) through the real Application and the fake Bot API:
a result submitted by walking the inspection form (责令整改 by 2024-02-20, 移交 to 保定市公安局),
then /followups, 办结, the note, the correction photos (real images made by Pillow) and 完成;
refusals (a broken photo, the check's own photo, a stranger, a forged button, a result sent
back); the deadline's reminders and the escalation, on the Schedule's clock, across restarts.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import callback_data
from spotcheck.inspection import ResultState
from spotcheck.roles import Role
from storage import follow_up_store, result_store, review_store
from storage.draft_models import FormDraft
from storage.draw_models import AssignmentMember
from storage.evidence_store import evidence_path
from storage.models import AuditLog
from storage.result_models import Evidence, FollowUp, InspectionResult
from storage.schedule_models import ReminderLedger
from tests.e2e.conftest import NOT_YOURS, QUIET_MOMENT, STALE, BotHarness, OpenBot
from tests.e2e.fake_telegram import TgUser
from tests.e2e.inspection_walk import Plan, Task, accepted_task, walk_to_review, with_button
from tests.evidence_images import jpeg, truncated_jpeg

SHANGHAI = ZoneInfo("Asia/Shanghai")
JINGXIU = "130602"
ASK_NOTE = "请输入办结说明（整改落实、立案、移交等办理情况）："
ASK_PHOTOS = "请发送整改后的现场照片（至少一张），发完点「完成」："
NOTE = "废气处理设施已恢复运行，复查合格。"


def alert(answer: dict[str, Any] | None) -> tuple[str, bool]:
    assert answer is not None, "the button was not answered"
    return str(answer.get("text")), bool(answer.get("show_alert"))


ALERT_NOT_YOURS, ALERT_STALE = (NOT_YOURS, True), (STALE, True)


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2024, month, day, hour, 0, tzinfo=SHANGHAI).astimezone(UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def use_clock(bot: BotHarness, clock: Clock) -> None:
    """The current Application's schedule (and the handlers, which read its clock)."""
    bot.app.bot_data.schedule.clock = clock


async def submitted(open_bot: OpenBot, tmp_path: Path) -> tuple[BotHarness, Task]:
    """A bot storing evidence under tmp_path: an inspector walks the form and submits (checked
    on 2024-02-05, the harness's quiet moment): 责令整改 within 15 days, and 移交."""
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        await walk_to_review(bot, task, Plan())
        await bot.press(task.user, "提交")
        await bot.settle()
    return bot, task


async def follow_ups(bot: BotHarness) -> list[FollowUp]:
    return await bot.all(select(FollowUp).order_by(FollowUp.id))


def listed(bot: BotHarness, user: TgUser) -> list[dict[str, Any]]:
    """The /followups entries shown in the chat (each with its 办结)."""
    return [m for m in bot.fake.sent_to(user.id) if m.get("text", "").startswith("【后续处理】")]


async def county_admin(bot: BotHarness) -> TgUser:
    """The county admin, bound by the draw's helper as the last of the county's people."""
    inspectors = await bot.staff(Role.INSPECTOR, JINGXIU)
    leads = await bot.staff(Role.LEAD, JINGXIU)
    [admin] = await bot.staff(Role.COUNTY_ADMIN, JINGXIU)
    return bot.user(6000 + len(inspectors) + len(leads), admin.name)


# --- closing ---------------------------------------------------------------------------------


async def test_rectify_is_closed_with_a_note_and_a_correction_photo(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot, task = await submitted(open_bot, tmp_path)
    name, user = task.target.name, task.user
    correction = jpeg(seed=41)
    async with bot.running():
        await bot.send(user, "/followups")
        rectify, transfer = listed(bot, user)
        assert rectify["text"] == f"【后续处理】{name}\n责令整改，期限 2024-02-20（还有 15 天）"
        assert transfer["text"] == f"【后续处理】{name}\n移交：保定市公安局"
        assert [t for t, _ in bot.fake.buttons(rectify)] == ["办结"]

        await bot.press(user, "办结", rectify)
        assert bot.fake.last_text(user.id) == f"办结：{name} · 责令整改\n{ASK_NOTE}"
        await bot.send(user, NOTE)
        assert bot.fake.last_text(user.id) == ASK_PHOTOS
        photos = bot.fake.last_message(user.id)
        await bot.press(user, "完成", photos)  # no photo yet: refused, nothing closed
        assert bot.fake.last_text(user.id) == "至少需要 1 张照片：请继续发送，再点「完成」。"
        assert [f.state for f in await follow_ups(bot)] == ["open", "open"]

        bot.fake.send_document(user, correction, "整改后.jpg", "image/jpeg")
        await bot.fake.until_idle()
        assert bot.fake.last_text(user.id) == "已收到第 1 张整改照片。发完点「完成」。"
        await bot.press(user, "完成", photos)  # the same button: photos since do not stale it
        assert bot.fake.last_text(user.id) == f"已办结：{name} · 责令整改，整改照片 1 张已存档。"

        await bot.press(user, "办结", rectify)  # the old entry again
        assert bot.fake.last_text(user.id) == "该后续处理已办结，无需重复操作。"

        # the 移交 closes with its note alone, after a look at what will be recorded
        await bot.send(user, "/followups")
        assert [m["text"] for m in listed(bot, user)[2:]] == [transfer["text"]]
        await bot.press(user, "办结", listed(bot, user)[-1])
        await bot.send(user, "已移交保定市公安局，取得回执。")
        assert bot.fake.last_text(user.id) == (
            f"请核对：{name} · 移交\n办结说明：已移交保定市公安局，取得回执。\n确认无误后点「完成」。"
        )
        await bot.press(user, "完成")
        assert bot.fake.last_text(user.id) == f"已办结：{name} · 移交。"
        await bot.send(user, "/followups")
        assert bot.fake.last_text(user.id) == "您没有未完结的后续处理。"

    first, second = await follow_ups(bot)
    assert (first.kind, first.state, first.closed_by, first.close_note) == (
        "rectify",
        "closed",
        task.cert,
        NOTE,
    )
    assert first.closed_at is not None
    assert first.closed_at.replace(tzinfo=UTC) == QUIET_MOMENT  # the bot's clock
    assert (second.kind, second.state, second.close_note) == (
        "transfer",
        "closed",
        "已移交保定市公安局，取得回执。",
    )
    evidence = await bot.all(select(Evidence).order_by(Evidence.id))
    assert [e.note for e in evidence] == ["", "排口", "整改照片"]
    photo = evidence[-1]
    assert (photo.received_by, photo.source, photo.assignment_id) == (
        task.cert,
        "document",
        task.assignment_id,
    )
    stored = evidence_path(tmp_path / "evidence", photo.sha256, photo.media_type).read_bytes()
    assert stored == correction and hashlib.sha256(stored).hexdigest() == photo.sha256
    closes = await bot.all(select(AuditLog).where(AuditLog.action == "close").order_by(AuditLog.id))
    assert [(a.entity, a.entity_key, a.new["photos"]) for a in closes] == [
        ("follow_ups", str(first.id), [photo.sha256]),
        ("follow_ups", str(second.id), []),
    ]
    assert await bot.all(select(FormDraft)) == []
    async with bot.ctx.sessions() as session:  # as `shuangsuiji results --json` prints it
        [shown] = [r.to_json_dict() for r in await result_store.results(session)]
    assert [
        (f["kind"], f["state"], f["closed_by"], f["close_note"]) for f in shown["follow_ups"]
    ] == [
        ("rectify", "closed", task.cert, NOTE),
        ("transfer", "closed", task.cert, "已移交保定市公安局，取得回执。"),
    ]
    assert shown["follow_ups"][0]["closed_at"] == QUIET_MOMENT.isoformat()


async def test_broken_or_inspection_photos_are_refused_and_nothing_is_stored(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot, task = await submitted(open_bot, tmp_path)
    user = task.user
    before = await bot.all(select(Evidence).order_by(Evidence.id))
    on_site = evidence_path(tmp_path / "evidence", before[0].sha256, before[0].media_type)
    files = sorted(p for p in (tmp_path / "evidence").rglob("*") if p.is_file())
    async with bot.running():
        await bot.send(user, "/followups")
        await bot.press(user, "办结", listed(bot, user)[0])
        await bot.send(user, NOTE)
        photos = with_button(bot, user, "完成")
        bot.fake.send_document(user, truncated_jpeg(), "IMG_1.jpg", "image/jpeg")
        await bot.fake.until_idle()
        bot.fake.send_document(user, "这不是图片".encode() * 50, "IMG_2.jpg", "image/jpeg")
        await bot.fake.until_idle()
        bot.fake.send_photo(user, on_site.read_bytes())  # the check's own photo, sent again
        await bot.fake.until_idle()
        await bot.press(user, "完成", photos)
    assert bot.said(user.id)[-4:] == [
        "图片不完整或已损坏，无法打开，未保存。请重新拍摄或重新发送。",
        "这不是图片文件，未保存。请发送照片，或以文件方式发送 JPEG/PNG 原图。",
        "这张照片是现场检查时留存的证据，不能作为整改照片。请发送整改后拍摄的照片。未保存。",
        "至少需要 1 张照片：请继续发送，再点「完成」。",
    ]
    after = await bot.all(select(Evidence).order_by(Evidence.id))
    assert [(e.sha256, e.note) for e in after] == [(e.sha256, e.note) for e in before]
    assert sorted(p for p in (tmp_path / "evidence").rglob("*") if p.is_file()) == files
    assert [f.state for f in await follow_ups(bot)] == ["open", "open"]
    [draft] = await bot.all(select(FormDraft))
    assert (draft.kind, draft.question, draft.data.get("~photos")) == ("follow_up", "photos", None)


async def test_a_stranger_or_a_forged_close_is_refused(open_bot: OpenBot, tmp_path: Path) -> None:
    bot, task = await submitted(open_bot, tmp_path)
    rectify = (await follow_ups(bot))[0]
    admin = await county_admin(bot)
    members = await bot.all(
        select(AssignmentMember.person_key).where(
            AssignmentMember.assignment_id == task.assignment_id
        )
    )
    assert len(members) >= 2 and task.cert in members
    async with bot.running():
        await bot.send(admin, "/followups")  # not on the team: nothing to close
        assert bot.fake.last_text(admin.id) == "您没有未完结的后续处理。"
        forged = await bot.forge(admin, f"1:fu:{rectify.id}")
        assert alert(bot.fake.callback_answer(forged)) == ALERT_NOT_YOURS
        garbage = await bot.forge(admin, "1:fu:99999999999")
        assert alert(bot.fake.callback_answer(garbage)) == ALERT_NOT_YOURS
        # a 完成 of a closing that is not his (the submitter's draft, by id) is stale
        await bot.send(task.user, "/followups")
        await bot.press(task.user, "办结", listed(bot, task.user)[0])
        [draft] = await bot.all(select(FormDraft))
        forged_done = callback_data.form_step("follow_up", draft.id, 1, "photos", "done")
        done = await bot.forge(admin, forged_done)
        assert alert(bot.fake.callback_answer(done)) == ALERT_STALE
    assert [f.state for f in await follow_ups(bot)] == ["open", "open"]
    async with bot.running():  # closed now: to a stranger it still says only "not yours"
        async with bot.ctx.sessions() as session, session.begin():
            await follow_up_store.close(session, rectify.id, task.cert, QUIET_MOMENT, "已整改")
        forged = await bot.forge(admin, f"1:fu:{rectify.id}")
        assert alert(bot.fake.callback_answer(forged)) == ALERT_NOT_YOURS
    refused = await bot.all(select(AuditLog.entity_key).where(AuditLog.action == "refused"))
    assert f"1:fu:{rectify.id}" in refused
    assert bot.said(admin.id)[-1] == "您没有未完结的后续处理。"  # alerts only, no messages


async def test_a_follow_up_of_a_result_sent_back_cannot_be_closed(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot, task = await submitted(open_bot, tmp_path)
    [result] = await bot.all(select(InspectionResult))
    async with bot.running():
        await bot.send(task.user, "/followups")
        rectify, transfer = listed(bot, task.user)
        await bot.press(task.user, "办结", rectify)
        assert bot.fake.last_text(task.user.id).endswith(ASK_NOTE)  # type: ignore[union-attr]
        async with bot.ctx.sessions() as session, session.begin():  # a teammate objects
            assert await review_store.move(
                session, result.id, ResultState.OBJECTED, "other", QUIET_MOMENT, "照片不清"
            )
        await bot.send(task.user, NOTE)  # the note of a follow-up no longer in force
        assert bot.fake.last_text(task.user.id) == NOT_YOURS
        assert await bot.all(select(FormDraft)) == []  # dropped: the next text is no note
        pressed = await bot.press(task.user, "办结", transfer)
        assert alert(bot.fake.callback_answer(pressed)) == ALERT_NOT_YOURS
        await bot.send(task.user, "/followups")
        assert bot.fake.last_text(task.user.id) == "您没有未完结的后续处理。"
    assert await bot.all(select(FormDraft)) == []
    assert [f.state for f in await follow_ups(bot)] == ["open", "open"]


# --- reminders -------------------------------------------------------------------------------


def reminders(bot: BotHarness, chat_id: int) -> list[dict[str, Any]]:
    return [
        m
        for m in bot.fake.sent_to(chat_id)
        if m.get("text", "").startswith(("【整改提醒】", "【整改逾期】"))
    ]


async def test_deadline_reminded_before_and_on_the_day_and_escalated_once_across_restarts(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot, task = await submitted(open_bot, tmp_path)
    name, user = task.target.name, task.user
    admin = await county_admin(bot)
    rectify = (await follow_ups(bot))[0]
    clock = Clock(at(2, 16))
    use_clock(bot, clock)
    async with bot.running():
        await bot.background.catch_up
        await bot.settle()
        assert reminders(bot, user.id) == []  # four days ahead: not yet
        for day in (17, 18, 19, 20):
            clock.now = at(2, day)
            await bot.app.bot_data.schedule.morning()
            await bot.settle()
    texts = [m["text"] for m in reminders(bot, user.id)]
    assert texts == [
        f"【整改提醒】{name}：整改期限为 2024-02-20（还有 3 天）。整改落实后请点「办结」。",
        f"【整改提醒】{name}：今天是整改期限（2024-02-20）。整改落实后请点「办结」。",
    ]
    assert bot.fake.buttons(reminders(bot, user.id)[0]) == [("办结", f"1:fu:{rectify.id}")]
    assert reminders(bot, admin.id) == []

    overdue = f"【整改逾期】竞秀区：{name} 的责令整改已过期限 2024-02-20（逾期 1 天），尚未办结。"
    for moment in (at(2, 21), at(2, 21, 11), at(2, 22)):  # a restart each, the catch-up runs
        use_clock(bot, Clock(moment))
        async with bot.running():
            await bot.background.catch_up
            await bot.settle()
    assert [m["text"] for m in reminders(bot, admin.id)] == [overdue]
    assert len(reminders(bot, user.id)) == 2
    ledger = await bot.all(
        select(ReminderLedger).where(ReminderLedger.kind == "follow_up").order_by(ReminderLedger.id)
    )
    assert [(r.key, r.recipient) for r in ledger] == [
        (f"{rectify.id}:before:2024-02-20", task.cert),
        (f"{rectify.id}:due:2024-02-20", task.cert),
        (
            f"{rectify.id}:overdue:2024-02-20",
            (await bot.staff(Role.COUNTY_ADMIN, JINGXIU))[0].cert_no,
        ),
    ]

    # closed at last, from the reminder's 办结
    use_clock(bot, Clock(at(2, 23)))
    async with bot.running():
        await bot.press(user, "办结", reminders(bot, user.id)[-1])
        await bot.send(user, NOTE)
        bot.fake.send_photo(user, jpeg(seed=43))
        await bot.fake.until_idle()
        await bot.press(user, "完成", with_button(bot, user, "完成"))
        assert bot.fake.last_text(user.id) == f"已办结：{name} · 责令整改，整改照片 1 张已存档。"
    assert (await follow_ups(bot))[0].state == "closed"
