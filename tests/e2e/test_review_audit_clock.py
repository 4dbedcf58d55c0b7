"""The review chain's audit rows carry the bot's clock (handlers.common.now), as its
transitions do: an auditor reading both sees one time for one step."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from storage.models import AuditLog
from tests.e2e.conftest import QUIET_MOMENT, BotHarness, OpenBot
from tests.e2e.inspection_walk import with_button
from tests.e2e.test_review_chain import chain, evidence_bot, lead_and_member, submitted_by


async def audit_times(bot: BotHarness, actions: set[str]) -> dict[str, datetime]:
    rows = await bot.all(select(AuditLog).where(AuditLog.action.in_(sorted(actions))))
    return {row.action: row.at.replace(tzinfo=UTC) for row in rows}


async def test_submit_confirm_and_pass_are_audited_at_the_bots_clock(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await lead_and_member(bot)
        await submitted_by(bot, member)
        await bot.press(lead.user, "确认", with_button(bot, lead.user, "确认"))
        await bot.settle()
        await bot.press(lead.user, "通过", with_button(bot, lead.user, "通过"))
        await bot.settle()

    [version] = await chain(bot, lead.assignment_id)
    assert {t["at"] for t in version["transitions"]} == {QUIET_MOMENT.isoformat()}
    assert await audit_times(bot, {"submit", "confirm", "pass"}) == {
        "submit": QUIET_MOMENT,
        "confirm": QUIET_MOMENT,
        "pass": QUIET_MOMENT,
    }


async def test_an_objection_is_audited_at_the_bots_clock(open_bot: OpenBot, tmp_path: Path) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():
        lead, member = await lead_and_member(bot)
        await submitted_by(bot, member)
        await bot.press(lead.user, "有异议", with_button(bot, lead.user, "有异议"))
        await bot.send(lead.user, "废气设施当时在运行，结论不对")
        await bot.settle()

    assert await audit_times(bot, {"object"}) == {"object": QUIET_MOMENT}
