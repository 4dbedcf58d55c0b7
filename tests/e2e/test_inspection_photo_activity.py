"""A photo is activity (issue 15's review): a draft warned as idle that then receives a photo is
not expired at the next sweep, and the photo moves no version (an album's photos and the
question's buttons stay current)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from storage.draft_models import FormDraft
from storage.result_models import Evidence
from tests.e2e.conftest import BotHarness, OpenBot
from tests.e2e.inspection_walk import Plan, accepted_task, answer_next, question_of
from tests.evidence_images import jpeg

T0 = datetime(2024, 2, 5, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def set_clock(bot: BotHarness, moment: datetime) -> None:
    bot.app.bot_data.schedule.clock = lambda: moment


def warnings(bot: BotHarness, user_id: int) -> list[str]:
    return [t for t in bot.said(user_id) if t.startswith("您的检查草稿")]


async def test_a_warned_draft_that_receives_a_photo_is_not_expired_at_the_next_sweep(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        task = await accepted_task(bot)
        set_clock(bot, T0)
        await bot.press(task.user, "开始检查")
        while not question_of(bot, task.user).startswith("请发送现场照片"):
            assert await answer_next(bot, task.user, task, Plan())
        schedule = bot.app.bot_data.schedule
        set_clock(bot, hours(49))  # idle past the warning (48 h)
        await schedule.drafts()
        await bot.settle()
        [warned] = await bot.all(select(FormDraft))
        set_clock(bot, hours(50))  # he sends a photo: activity
        bot.fake.send_photo(task.user, jpeg(seed=21))
        await bot.fake.until_idle()
        [touched] = await bot.all(select(FormDraft))
        set_clock(bot, hours(73))  # past expiry (72 h) counted from the start, not the photo
        await schedule.drafts()
        await bot.settle()
        kept = await bot.all(select(FormDraft))
        evidence = await bot.all(select(Evidence))

    assert warned.warned_at is not None
    assert touched.warned_at is None and touched.version == warned.version
    assert [d.id for d in kept] == [warned.id]
    assert len(warnings(bot, task.user.id)) == 1  # no second warning: idle 23 h since the photo
    assert len(evidence) == 1
