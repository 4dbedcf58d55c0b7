"""The review chain in chat (issue 10 items 1–2) through the real Application and the fake Bot
API: a member submits, the other confirms (确认) or objects (有异议, with a reason), the reviewer
passes (通过) or returns (退回, with a reason), the submitter resumes his form and submits a
second version; the lead submitting himself is reviewed by the county admin; forged and stale
buttons change nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot import callback_data
from bot.services import assignments
from spotcheck.roles import Role
from storage import result_store
from storage.bot_models import TelegramAccount
from storage.draw_models import AssignmentMember, DrawRecord
from storage.models import AuditLog
from storage.result_models import InspectionResult, ResultConfirmation
from tests.e2e.conftest import STALE, BotHarness, OpenBot
from tests.e2e.inspection_walk import (
    REVIEW,
    Task,
    accepted_task,
    question_of,
    walk_to_review,
    with_button,
)
from tests.e2e.test_assignments import JINGXIU, pushes

JSON = dict[str, Any]


async def evidence_bot(open_bot: OpenBot, tmp_path: Path, **sections: Any) -> BotHarness:
    return await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")}, **sections)


async def teammate(bot: BotHarness, task: Task) -> Task:
    """The other inspector of the task's team (the first task's holder is its lead), accepted."""
    [other] = await bot.all(
        select(AssignmentMember.person_key).where(
            AssignmentMember.assignment_id == task.assignment_id,
            AssignmentMember.person_key != task.cert,
        )
    )
    user_id = await bot.scalar(
        select(TelegramAccount.user_id).where(TelegramAccount.cert_no == other)
    )
    user = bot.user(int(user_id), await bot.name_of(other))
    push = next(
        p
        for p in pushes(bot, user)
        if str(bot.fake.buttons(p)[0][1]) == callback_data.accept(task.assignment_id)
    )
    await bot.press(user, "接受", push)
    return Task(other, user, task.assignment_id, task.target, push)


async def lead_and_member(bot: BotHarness) -> tuple[Task, Task]:
    """A team of two, both accepted: its lead (组长) and the other member."""
    first = await accepted_task(bot)
    second = await teammate(bot, first)
    lead = await bot.scalar(
        select(AssignmentMember.person_key).where(
            AssignmentMember.assignment_id == first.assignment_id, AssignmentMember.is_lead
        )
    )
    return (first, second) if lead == first.cert else (second, first)


async def submitted_by(bot: BotHarness, task: Task) -> None:
    await bot.press(task.user, "开始检查", with_button(bot, task.user, "开始检查"))
    await walk_to_review(bot, task)
    await bot.press(task.user, "提交")
    await bot.settle()


async def county_admin(bot: BotHarness) -> Any:
    [admin] = await bot.staff(Role.COUNTY_ADMIN, JINGXIU)
    user_id = await bot.scalar(
        select(TelegramAccount.user_id).where(TelegramAccount.cert_no == admin.cert_no)
    )
    return bot.user(int(user_id), admin.name)


async def chain(bot: BotHarness, assignment_id: int) -> list[JSON]:
    """What `shuangsuiji results --json` prints for the assignment's versions."""
    async with bot.ctx.sessions() as session:
        views = await result_store.results(session)
    return [v.to_json_dict() for v in views if v.assignment_id == assignment_id]


def moves(version: JSON) -> list[tuple[str | None, str, str]]:
    return [(t["from"], t["to"], t["reason"]) for t in version["transitions"]]


async def test_returned_result_travels_to_passed_in_a_second_version(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await lead_and_member(bot)
        await submitted_by(bot, member)
        # the lead, the other member, gets the card with 确认 / 有异议; the submitter without
        prompt = with_button(bot, lead.user, "确认")
        assert [t for t, _ in bot.fake.buttons(prompt)] == ["确认", "有异议"]
        assert not any(bot.fake.buttons(m) for m in bot.fake.sent_to(member.user.id)[-3:])
        await bot.press(lead.user, "确认", prompt)
        await bot.settle()
        assert f"已确认「{lead.target.name}」的检查结果，已送审核。" in bot.said(lead.user.id)
        progress = f"确认进度（{lead.target.name}）：已确认 {lead.user.first_name}。已送审核。"
        assert progress in bot.said(member.user.id)
        # the lead reviews (he did not submit it): 通过 / 退回
        review = with_button(bot, lead.user, "通过")
        assert [t for t, _ in bot.fake.buttons(review)] == ["通过", "退回"]
        await bot.press(lead.user, "退回", review)
        assert bot.said(lead.user.id)[-1].startswith("退回：")
        await bot.send(lead.user, "照片看不清排口，请补拍说明")
        await bot.settle()
        told = bot.said(member.user.id)[-1]
        assert told.startswith("【审核退回】") and "照片看不清排口，请补拍说明" in told
        assert "/resume" in told
        # he resumes at the review screen with his answers, and submits version 2
        await bot.send(member.user, "/resume")
        assert question_of(bot, member.user).startswith(REVIEW)
        await bot.press(member.user, "提交", with_button(bot, member.user, "提交"))
        await bot.settle()
        again = with_button(bot, lead.user, "确认")
        assert "第 2 版" in again["text"]
        stale = await bot.press(lead.user, "通过", review)  # version 1's button
        assert bot.fake.callback_answer(stale)["text"] == STALE  # type: ignore[index]
        await bot.press(lead.user, "确认", again)
        await bot.settle()
        await bot.press(lead.user, "通过", with_button(bot, lead.user, "通过"))
        await bot.settle()

    passed = f"【审核通过】「{lead.target.name}」的检查结果已由 {lead.user.first_name} 审核通过。"
    assert any(m.startswith(passed) for m in bot.said(member.user.id))
    first, second = await chain(bot, lead.assignment_id)
    assert (first["version"], second["version"]) == (1, 2)
    assert second["previous_result_id"] == first["result_id"]
    assert moves(first) == [
        (None, "submitted", ""),
        ("submitted", "pending_review", ""),
        ("pending_review", "returned", "照片看不清排口，请补拍说明"),
    ]
    assert moves(second) == [
        (None, "submitted", ""),
        ("submitted", "pending_review", ""),
        ("pending_review", "passed", ""),
    ]
    assert [(c["cert_no"], c["verdict"]) for c in first["confirmations"]] == [
        (lead.cert, "confirm")
    ]
    assert [(c["cert_no"], c["verdict"]) for c in second["confirmations"]] == [
        (lead.cert, "confirm")
    ]
    assert (first["state"], second["state"]) == ("returned", "passed")
    assert second["transitions"][-1]["by"] == f"tg:{lead.user.id}/{lead.cert}"


async def test_an_objection_sends_the_result_back_with_its_reason(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await lead_and_member(bot)
        await submitted_by(bot, member)
        await bot.press(lead.user, "有异议", with_button(bot, lead.user, "有异议"))
        await bot.send(lead.user, "   ")  # a blank reason is no reason
        assert bot.said(lead.user.id)[-1] == "请写明原因。"
        await bot.send(lead.user, "废气设施当时在运行，结论不对")
        await bot.settle()
        told = bot.said(member.user.id)[-1]
        assert told.startswith("【提出异议】") and "废气设施当时在运行，结论不对" in told
        await bot.send(member.user, "/resume")
        assert question_of(bot, member.user).startswith(REVIEW)

    [version] = await chain(bot, lead.assignment_id)
    assert moves(version)[-1] == ("submitted", "objected", "废气设施当时在运行，结论不对")
    assert version["confirmations"] == [
        {"cert_no": lead.cert, "verdict": "object", "reason": "废气设施当时在运行，结论不对"}
    ]
    # nobody is asked to review an objected result
    assert not any(
        "通过" in [t for t, _ in bot.fake.buttons(m)] for m in bot.fake.sent_to(lead.user.id)
    )


async def test_the_county_admin_reviews_what_the_lead_submitted(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await lead_and_member(bot)
        admin = await county_admin(bot)
        await submitted_by(bot, lead)
        await bot.press(member.user, "确认", with_button(bot, member.user, "确认"))
        await bot.settle()
        assert not any(
            "通过" in [t for t, _ in bot.fake.buttons(m)] for m in bot.fake.sent_to(lead.user.id)
        )
        forged = await bot.press(member.user, "确认", with_button(bot, member.user, "确认"))
        assert bot.fake.callback_answer(forged)["text"] == STALE  # type: ignore[index]
        await bot.press(admin, "通过", with_button(bot, admin, "通过"))
        await bot.settle()

    [version] = await chain(bot, lead.assignment_id)
    assert version["state"] == "passed"
    assert version["transitions"][-1]["by"].endswith(
        f"/{(await bot.staff(Role.COUNTY_ADMIN, JINGXIU))[0].cert_no}"
    )


async def test_a_forged_pass_from_a_non_reviewer_changes_nothing(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await lead_and_member(bot)
        await submitted_by(bot, member)
        await bot.press(lead.user, "确认", with_button(bot, lead.user, "确认"))
        await bot.settle()
        [result_id] = await bot.all(select(InspectionResult.id))
        # the submitter, and an admin of another kind of standing, forge 通过 and 确认
        forged = await bot.forge(
            member.user, callback_data.review_step(callback_data.PASS, result_id)
        )
        admin = await county_admin(bot)
        by_admin = await bot.forge(
            admin, callback_data.review_step(callback_data.CONFIRM, result_id)
        )
        unknown = await bot.forge(lead.user, callback_data.review_step(callback_data.PASS, 999))

    for press in (forged, by_admin, unknown):
        assert bot.fake.callback_answer(press)["text"] == STALE  # type: ignore[index]
    [version] = await chain(bot, lead.assignment_id)
    assert version["state"] == "pending_review"
    refused = await bot.all(select(AuditLog.entity_key).where(AuditLog.action == "refused"))
    assert {f"review:ps:{result_id}", f"review:cf:{result_id}", "review:ps:999"} <= set(refused)


async def test_a_member_replaced_cannot_confirm(open_bot: OpenBot, tmp_path: Path) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await lead_and_member(bot)
        await submitted_by(bot, lead)
        prompt = with_button(bot, member.user, "确认")
        [record_id] = await bot.all(select(DrawRecord.id).order_by(DrawRecord.id.desc()).limit(1))
        await assignments.replace_member(
            bot.ctx, record_id, lead.target.credit_code, member.cert, "调离执法岗位", "cli"
        )
        await bot.settle()
        refused = await bot.press(member.user, "确认", prompt)

    assert bot.fake.callback_answer(refused)["text"] == STALE  # type: ignore[index]
    assert await bot.all(select(ResultConfirmation)) == []


async def test_cancel_drops_an_objection_waiting_for_its_reason(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await lead_and_member(bot)
        await submitted_by(bot, member)
        await bot.press(lead.user, "有异议", with_button(bot, lead.user, "有异议"))
        await bot.send(lead.user, "/cancel")
        await bot.send(lead.user, "县级重点监管对象每季度抽多少？")
        await bot.settle()
        # the 确认 button still works: nothing was recorded
        await bot.press(lead.user, "确认", with_button(bot, lead.user, "确认"))
        await bot.settle()

    [version] = await chain(bot, lead.assignment_id)
    assert version["state"] == "pending_review"
    assert [c["verdict"] for c in version["confirmations"]] == ["confirm"]


async def test_a_restart_between_every_two_steps_of_the_chain_loses_nothing(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await lead_and_member(bot)
        await submitted_by(bot, member)
    steps: list[tuple[Any, str, str | None]] = [
        (lead, "确认", None),
        (lead, "退回", None),
        (lead, "", "照片看不清排口，请补拍说明"),  # the reason, typed after a restart
        (member, "", "/resume"),
        (member, "提交", None),
        (lead, "确认", None),
        (lead, "通过", None),
    ]
    for who, label, text in steps:
        async with bot.running():  # a new Application on the same database each time
            if text is not None:
                await bot.send(who.user, text)
            else:
                await bot.press(who.user, label, with_button(bot, who.user, label))
            await bot.settle()
    first, second = await chain(bot, lead.assignment_id)
    assert moves(first) == [
        (None, "submitted", ""),
        ("submitted", "pending_review", ""),
        ("pending_review", "returned", "照片看不清排口，请补拍说明"),
    ]
    assert moves(second)[-1] == ("pending_review", "passed", "")
    assert (first["state"], second["state"]) == ("returned", "passed")
