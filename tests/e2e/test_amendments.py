"""Amendments (issue 10 item 3) through the real Application and the fake Bot API: after 通过
nothing changes in place; the submitter presses 更正 on his 【审核通过】, gives the reason, edits
his form (opened with the passed version's answers) and submits version 2, which is confirmed
and reviewed like the first; both versions are kept. Someone else's 更正, a 更正 of a version
not passed, and a second 更正 while the first is open change nothing."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from bot import callback_data
from storage.draft_models import FormDraft
from storage.models import AuditLog
from storage.result_models import InspectionResult
from tests.e2e.conftest import STALE, BotHarness, OpenBot
from tests.e2e.inspection_walk import REVIEW, Task, question_of, with_button
from tests.e2e.test_review_chain import (
    chain,
    county_admin,
    evidence_bot,
    lead_and_member,
    moves,
    submitted_by,
)

REASON = "漏记了废水排口的情况"
FINDINGS = "现场检查发现废气处理设施未运行，废水排口有异味"


async def passed_by_lead(bot: BotHarness) -> tuple[Task, Task]:
    """The member submits, the lead confirms and passes: (lead, member)."""
    lead, member = await lead_and_member(bot)
    await submitted_by(bot, member)
    await bot.press(lead.user, "确认", with_button(bot, lead.user, "确认"))
    await bot.settle()
    await bot.press(lead.user, "通过", with_button(bot, lead.user, "通过"))
    await bot.settle()
    return lead, member


def line_number(review: str, label: str) -> int:
    """The number of the review screen's answer ``label``."""
    match = re.search(rf"^(\d+)\. {label}：", review, re.MULTILINE)
    assert match is not None, review
    return int(match[1])


async def test_an_amendment_is_a_second_version_reviewed_like_the_first(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await passed_by_lead(bot)
        passed = with_button(bot, member.user, "更正")
        assert str(passed["text"]).startswith("【审核通过】")
        # the reviewer's own 【审核通过】 carries no 更正: only the submitter amends
        assert not any(
            "更正" in [t for t, _ in bot.fake.buttons(m)] for m in bot.fake.sent_to(lead.user.id)
        )
        await bot.press(member.user, "更正", passed)
        assert bot.said(member.user.id)[-1].startswith(f"更正：「{member.target.name}」")
        await bot.send(member.user, REASON)
        # his form, at its review screen, with version 1's answers, marked as the amendment
        assert any(s.startswith("已按第 1 版打开") for s in bot.said(member.user.id)[-3:])
        review = question_of(bot, member.user)
        assert review.startswith(REVIEW) and f"【更正】理由：{REASON}" in review
        number = line_number(review, "检查发现")
        await bot.press(member.user, "修改")
        await bot.press(member.user, f"修改 {number}")
        await bot.send(member.user, FINDINGS)
        assert question_of(bot, member.user).startswith(REVIEW)
        await bot.press(member.user, "提交", with_button(bot, member.user, "提交"))
        await bot.settle()
        # the chain runs again: the lead confirms, then reviews; both see it is an amendment
        confirm = with_button(bot, lead.user, "确认")
        card = next(s for s in reversed(bot.said(lead.user.id)) if s.startswith("【检查结果】"))
        assert f"更正（第 2 版）：{REASON}" in card and "第 1 版审核通过，保留不变" in card
        assert FINDINGS in card
        await bot.press(lead.user, "确认", confirm)
        await bot.settle()
        review_card = next(
            s for s in reversed(bot.said(lead.user.id)) if s.startswith("【检查结果】")
        )
        assert "待审核" in review_card and f"更正（第 2 版）：{REASON}" in review_card
        await bot.press(lead.user, "通过", with_button(bot, lead.user, "通过"))
        await bot.settle()

    first, second = await chain(bot, lead.assignment_id)
    assert (first["version"], second["version"]) == (1, 2)
    assert (first["state"], second["state"]) == ("passed", "passed")
    assert first["amendment_reason"] == "" and second["amendment_reason"] == REASON
    assert second["previous_result_id"] == first["result_id"]
    assert second["submitted_by"] == member.cert  # by whom
    assert first["findings"] != FINDINGS and second["findings"] == FINDINGS
    assert moves(first) == [
        (None, "submitted", ""),
        ("submitted", "pending_review", ""),
        ("pending_review", "passed", ""),
    ]
    assert moves(second) == moves(first)
    assert [(c["cert_no"], c["verdict"]) for c in second["confirmations"]] == [
        (lead.cert, "confirm")
    ]
    amended = await bot.all(select(AuditLog.entity_key).where(AuditLog.action == "amend"))
    assert amended == [str(first["result_id"])]
    assert await bot.all(select(FormDraft)) == []


async def test_a_forged_amend_by_someone_else_changes_nothing(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, _ = await passed_by_lead(bot)
        [result_id] = await bot.all(select(InspectionResult.id))
        amend = callback_data.review_step(callback_data.AMEND, result_id)
        by_lead = await bot.forge(lead.user, amend)  # on the team, but not the submitter
        by_admin = await bot.forge(await county_admin(bot), amend)
        await bot.send(lead.user, "这个结论需要改")  # no reason was asked of him

    for press in (by_lead, by_admin):
        assert bot.fake.callback_answer(press)["text"] == STALE  # type: ignore[index]
    assert await bot.all(select(FormDraft)) == []
    [version] = await chain(bot, lead.assignment_id)
    assert version["state"] == "passed"
    refused = await bot.all(select(AuditLog.entity_key).where(AuditLog.action == "refused"))
    assert refused.count(f"review:am:{result_id}") == 2


async def test_amend_of_a_version_not_passed_is_refused(open_bot: OpenBot, tmp_path: Path) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await lead_and_member(bot)
        await submitted_by(bot, member)
        [result_id] = await bot.all(select(InspectionResult.id))
        amend = callback_data.review_step(callback_data.AMEND, result_id)
        submitted = await bot.forge(member.user, amend)  # 已提交
        await bot.press(lead.user, "确认", with_button(bot, lead.user, "确认"))
        await bot.settle()
        pending = await bot.forge(member.user, amend)  # 待审核

    for press in (submitted, pending):
        assert bot.fake.callback_answer(press)["text"] == STALE  # type: ignore[index]
    assert await bot.all(select(FormDraft)) == []
    [version] = await chain(bot, lead.assignment_id)
    assert version["state"] == "pending_review"


async def test_one_amendment_at_a_time_and_its_button_goes_stale(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await passed_by_lead(bot)
        passed = with_button(bot, member.user, "更正")
        await bot.press(member.user, "更正", passed)
        await bot.send(member.user, REASON)
        again = await bot.press(member.user, "更正", passed)  # the form is open already
        assert bot.said(member.user.id)[-1].startswith(
            f"您还有「{member.target.name}」的检查表未提交"
        )
        assert bot.fake.callback_answer(again).get("text") in (None, "")  # type: ignore[union-attr]
        [draft] = await bot.all(select(FormDraft))
        assert draft.kind == "inspection" and draft.data["amends"] == REASON
        await bot.press(member.user, "提交", with_button(bot, member.user, "提交"))
        await bot.settle()
        stale = await bot.press(member.user, "更正", passed)  # version 1 is not the latest now

    assert bot.fake.callback_answer(stale)["text"] == STALE  # type: ignore[index]
    first, second = await chain(bot, lead.assignment_id)
    assert (first["state"], second["state"]) == ("passed", "submitted")
    assert second["amendment_reason"] == REASON
    assert second["findings"] == first["findings"]  # submitted unchanged: still an amendment
    assert await bot.all(select(FormDraft)) == []
