"""The on-site inspection form walked in chat, from 开始检查 to 已提交: what the inspector sees
and what the database holds; a restart between every two questions; an edit from the review
screen; the check-in far away or at a target without coordinates."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from sqlalchemy import select, update

from storage.draft_models import FormDraft
from storage.draw_models import Assignment
from storage.evidence_store import evidence_path
from storage.models import Target
from storage.result_models import Checkin, Evidence, FollowUp, InspectionResult, ItemResult
from tests.e2e.conftest import STALE, BotHarness, OpenBot
from tests.e2e.inspection_walk import (
    REVIEW,
    Plan,
    accepted_task,
    answer_next,
    question_of,
    walk_to_review,
    with_button,
)

CHECK_DAY = date(2024, 2, 5)  # the harness's fixed moment, in Shanghai


async def evidence_bot(open_bot: OpenBot, tmp_path: Path) -> BotHarness:
    return await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})


async def test_inspection_walks_from_start_to_submitted(open_bot: OpenBot, tmp_path: Path) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        assert bot.fake.reply_keyboard(task.user.id) == [["发送当前位置"], ["无法定位"]]
        await walk_to_review(bot, task)
        assert bot.fake.reply_keyboard(task.user.id) is None  # removed after the check-in
        review = bot.fake.last_message(task.user.id)
        assert review is not None
        await bot.press(task.user, "提交", review)
        again = await bot.press(task.user, "提交", review)
        await bot.settle()  # the result card goes through the outbox

    said = bot.said(task.user.id)
    assert any(t.startswith("已签到：距检查对象 111 米") for t in said), said
    assert f"检查结果已提交：{task.target.name}。状态：已提交。提交后不能再修改。" in said
    # …and the result card, through the outbox, in the same transaction as the result
    assert [t for t in said if t.startswith("【检查结果】")] == [
        next(t for t in said if t.startswith(f"【检查结果】{task.target.name}"))
    ]
    assert bot.fake.callback_answer(again)["text"] == STALE  # type: ignore[index]
    [result] = await bot.all(select(InspectionResult))
    assert (result.assignment_id, result.state, result.category, result.submitted_by) == (
        task.assignment_id,
        "submitted",
        "problem_rectified",
        task.cert,
    )
    assert result.findings == "现场检查发现废气处理设施停运，已责令立即恢复运行。"
    items = await bot.all(select(ItemResult).order_by(ItemResult.id))
    assert len(items) == 12
    assert (items[0].item_code, items[0].answer, items[0].note) == (
        "BDSTHJ-001",
        "problem",
        "废气处理设施未运行",
    )
    assert {i.answer for i in items[1:]} == {"ok"}
    [checkin] = await bot.all(select(Checkin))
    assert checkin.distance_m is not None and 105 < checkin.distance_m < 118
    assert (checkin.flagged, checkin.reason) == (False, "")
    evidence = await bot.all(select(Evidence).order_by(Evidence.id))
    assert [e.source for e in evidence] == ["photo", "document"]
    assert (evidence[1].note, evidence[1].exif_latitude) == ("排口", 38.9)
    for row in evidence:
        stored = evidence_path(tmp_path / "evidence", row.sha256, row.media_type).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == row.sha256
    follow_ups = await bot.all(select(FollowUp).order_by(FollowUp.id))
    assert [(f.kind, f.deadline, f.agency) for f in follow_ups] == [
        ("rectify", date(2024, 2, 20), None),
        ("transfer", None, "保定市公安局"),
    ]
    [assignment] = await bot.all(select(Assignment).where(Assignment.id == task.assignment_id))
    assert assignment.checked_on == CHECK_DAY
    assert await bot.all(select(FormDraft)) == []


async def test_restart_between_every_two_questions_then_resume(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    plan = Plan(follow_ups=("立案查处",))
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        asked = question_of(bot, task.user)
    restarts = 0
    while not asked.startswith(REVIEW):
        async with bot.running():  # a new Application on the same database
            restarts += 1
            await bot.send(task.user, "/resume")
            shown = bot.fake.sent_to(task.user.id)
            assert shown[-2]["text"] == f"继续填写「{task.target.name}」的检查表："
            assert question_of(bot, task.user) == asked
            await answer_next(bot, task.user, task, plan)
            asked = question_of(bot, task.user)
    async with bot.running():
        await bot.send(task.user, "/resume")
        assert question_of(bot, task.user).startswith(REVIEW)
        await bot.press(task.user, "提交")
    assert restarts >= 17  # check-in, 12 items, a note, findings, photos, category, follow-up
    [result] = await bot.all(select(InspectionResult))
    assert result.assignment_id == task.assignment_id
    assert [f.kind for f in await bot.all(select(FollowUp))] == ["case"]


async def test_edit_from_review_asks_only_what_depends_on_it(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        await walk_to_review(bot, task)
        review = str(question_of(bot, task.user))
        assert "\n2. 检查事项（排污许可制度执行情况的检查）：发现问题" in review
        assert "\n3. 问题说明（排污许可制度执行情况的检查）：废气处理设施未运行" in review
        await bot.press(task.user, "修改")  # the numbers, on the same message
        assert [t for t, _ in bot.fake.buttons(bot.fake.last_message(task.user.id))][-2:] == [
            f"修改 {len(review.splitlines()) - 1}",
            "返回",
        ]
        await bot.press(task.user, "修改 2")
        assert question_of(bot, task.user) == "检查事项「排污许可制度执行情况的检查」：检查结果？"
        before = len(bot.fake.sent_to(task.user.id))
        await bot.press(task.user, "未发现问题")
        # The note and the follow-ups are moot; the category no longer agrees: asked again.
        asked = [m["text"] for m in bot.fake.sent_to(task.user.id)[before:]]
        assert asked == ["请选择检查结果类别："]
        assert [t for t, _ in bot.fake.buttons(bot.fake.last_message(task.user.id))] == [
            "未发现问题",
            "不予配合检查情节严重",
            "查无下落",
            "已关闭停业",
        ]
        await bot.press(task.user, "未发现问题")
        review = str(question_of(bot, task.user))
        assert review.startswith(REVIEW)
        assert "问题说明" not in review and "后续处置" not in review
        assert "检查发现：现场检查发现" in review  # kept: it did not depend on the item
        await bot.press(task.user, "提交")
    [result] = await bot.all(select(InspectionResult))
    assert result.category == "none"
    assert await bot.all(select(FollowUp)) == []
    assert {i.answer for i in await bot.all(select(ItemResult))} == {"ok"}


async def test_checkin_5_km_away_is_warned_and_flagged(open_bot: OpenBot, tmp_path: Path) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        await walk_to_review(bot, task, Plan(offset=0.045))  # ≈ 5 km north
        await bot.press(task.user, "提交")
    [warning] = [t for t in bot.said(task.user.id) if t.startswith("⚠️")]
    assert warning == "⚠️ 您距检查对象 5004 米，超出 1000 米的签到范围：已记录，检查结果将被标记。"
    [checkin] = await bot.all(select(Checkin))
    assert (checkin.flagged, checkin.reason, round(checkin.distance_m or 0)) == (True, "far", 5004)


async def test_target_without_coordinates_records_the_location(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        task = await accepted_task(bot)
        async with bot.ctx.sessions() as session, session.begin():
            await session.execute(
                update(Target)
                .where(Target.credit_code == task.target.credit_code)
                .values(latitude=None, longitude=None)
            )
        await bot.press(task.user, "开始检查")
        bot.fake.send_location(task.user, 38.9, 115.5)
        await bot.fake.until_idle()
        assert "已记录您的位置；该检查对象没有坐标，无法计算距离。" in bot.said(task.user.id)
    [draft] = await bot.all(select(FormDraft))
    assert draft.data["checkin"] == {"lat": 38.9, "lon": 115.5}


async def test_unlocated_asks_a_reason_and_is_flagged(open_bot: OpenBot, tmp_path: Path) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        bot.fake.tap_keyboard(task.user, "无法定位")
        await bot.fake.until_idle()
        assert bot.said(task.user.id)[-2:] == [
            "已记录：无法定位（检查结果将被标记）。",
            "请简要说明无法定位的原因：",
        ]
        assert bot.fake.reply_keyboard(task.user.id) is None
        await bot.send(task.user, "厂区位于山区，手机无信号")
        assert question_of(bot, task.user).startswith("检查事项「")
    [draft] = await bot.all(select(FormDraft))
    assert (draft.data["checkin"], draft.data["checkin_reason"]) == (
        "none",
        "厂区位于山区，手机无信号",
    )


async def test_report_lists_accepted_tasks_to_start_or_continue(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        task = await accepted_task(bot)
        await bot.send(task.user, "/report")
        listed = bot.fake.last_message(task.user.id)
        assert listed is not None and listed["text"] == "待填写检查结果的任务："
        assert [t for t, _ in bot.fake.buttons(listed)] == [f"开始检查：{task.target.name}"]
        await bot.press(task.user, f"开始检查：{task.target.name}", listed)
        await bot.send(task.user, "/report")
        await bot.press(task.user, f"继续填写：{task.target.name}")
        assert question_of(bot, task.user).startswith("第 1 步 现场签到")
        card = await bot.send(task.user, f"/task_{task.assignment_id}")
        assert card is not None
        assert "开始检查" in [
            t for t, _ in bot.fake.buttons(with_button(bot, task.user, "开始检查"))
        ]
    assert len(await bot.all(select(FormDraft))) == 1


async def test_a_typed_deadline_must_be_after_the_check_day(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    plan = Plan(follow_ups=("责令整改",))
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        while not question_of(bot, task.user).startswith("请选择整改期限"):
            await answer_next(bot, task.user, task, plan)
        await bot.send(task.user, "2024年2月1日")
        assert bot.said(task.user.id)[-1] == "整改期限应在检查日之后。"
        await bot.send(task.user, "3月7日")  # this year: the check day's
        assert question_of(bot, task.user).startswith(REVIEW)
        await bot.press(task.user, "提交")
    [follow_up] = await bot.all(select(FollowUp))
    assert (follow_up.kind, follow_up.deadline) == ("rectify", date(2024, 3, 7))


async def test_edit_numbers_come_on_the_review_itself_and_back_returns(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        await walk_to_review(bot, task)
        review = bot.fake.last_message(task.user.id)
        assert review is not None
        assert [t for t, _ in bot.fake.buttons(review)] == ["修改", "提交"]
        before = bot.fake.sent_count()
        await bot.press(task.user, "修改")
        numbers = [t for t, _ in bot.fake.buttons(bot.fake.last_message(task.user.id))]
        answers = len(str(review["text"]).splitlines()) - 1
        assert numbers == [*(f"修改 {n}" for n in range(1, answers + 1)), "返回"]
        await bot.press(task.user, "返回")
        assert [t for t, _ in bot.fake.buttons(bot.fake.last_message(task.user.id))] == [
            "修改",
            "提交",
        ]
        assert bot.fake.sent_count() == before  # the same message, its buttons changed
        choose = dict(bot.fake.buttons(bot.fake.last_message(task.user.id)))["修改"]
        await bot.press(task.user, "修改")
        await bot.press(task.user, "修改 1")  # the check-in asked again: the review is old now
        stale = await bot.forge(task.user, str(choose))
    assert bot.fake.callback_answer(stale)["text"] == STALE  # type: ignore[index]
