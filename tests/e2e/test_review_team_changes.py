"""The review chain when the team changes mid-review (issue 10: "a member removed from the
team mid-review"): the member who takes a replaced one's place is asked to confirm, and a new
lead who becomes the reviewer gets 通过 / 退回 — else the result waits for nobody."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.services import assignments, review
from storage import result_store, review_store
from storage.bot_models import TelegramAccount
from storage.draw_models import DrawRecord
from tests.e2e.conftest import BotHarness, OpenBot
from tests.e2e.inspection_walk import Task, with_button
from tests.e2e.test_review_chain import (
    chain,
    evidence_bot,
    lead_and_member,
    submitted_by,
)


async def replaced(bot: BotHarness, task: Task, cert: str) -> tuple[str, object]:
    """``cert`` replaced on the task's team (as `draw replace` does): the newcomer's 执法证号
    and his chat user."""
    [record_id] = await bot.all(select(DrawRecord.id).order_by(DrawRecord.id.desc()).limit(1))
    change = await assignments.replace_member(
        bot.ctx, record_id, task.target.credit_code, cert, "调离执法岗位", "cli"
    )
    await bot.settle()
    _, team_change = change
    user_id = await bot.scalar(
        select(TelegramAccount.user_id).where(TelegramAccount.cert_no == team_change.added_cert)
    )
    return team_change.added_cert, bot.user(int(user_id), team_change.added_name)


async def test_the_member_who_replaces_one_mid_review_is_asked_to_confirm(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await lead_and_member(bot)
        await submitted_by(bot, lead)
        newcomer, user = await replaced(bot, lead, member.cert)
        prompt = with_button(bot, user, "确认")  # else nobody is left to confirm it
        await bot.press(user, "确认", prompt)
        await bot.settle()

    [version] = await chain(bot, lead.assignment_id)
    assert version["state"] == "pending_review"
    assert [(c["cert_no"], c["verdict"]) for c in version["confirmations"]] == [
        (newcomer, "confirm")
    ]


async def test_whoever_the_replacement_makes_the_reviewer_gets_pass_and_return(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    """The lead, the reviewer, replaced while 待审核: the new lead reviews (or, when the
    replacement makes the submitter lead, the county admin) and gets 通过 / 退回."""
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await lead_and_member(bot)
        await submitted_by(bot, member)
        await bot.press(lead.user, "确认", with_button(bot, lead.user, "确认"))
        await bot.settle()
        await replaced(bot, lead, lead.cert)
        async with bot.ctx.sessions() as session:
            version = await review_store.latest_version(session, lead.assignment_id)
            assert version is not None
            view = await result_store.result_of(session, lead.assignment_id)
            assert view is not None
            reviewers = await review.reviewers_of(session, version, view.region_code)
        reviewer = reviewers.cert_nos[0]
        assert reviewer != lead.cert
        user_id = await bot.scalar(
            select(TelegramAccount.user_id).where(TelegramAccount.cert_no == reviewer)
        )
        user = bot.user(int(user_id), await bot.name_of(reviewer))
        await bot.press(user, "通过", with_button(bot, user, "通过"))
        await bot.settle()

    [passed] = await chain(bot, lead.assignment_id)
    assert passed["state"] == "passed"
    assert passed["transitions"][-1]["by"].endswith(f"/{reviewer}")
