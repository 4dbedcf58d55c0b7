"""The weekly digests' charts through the real Application and the fake Bot API: the city
admin's completion chart by county and the county admin's by class arrive as photos (real PNGs,
their bars measured against the statistics), the digest as the caption, once a week, caught up
at a start; without a Chinese font the digests go as text and the city admin hears once why."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.services import draws
from bot.services.digests import city_text
from bot.services.draws import DrawRequest
from bot.services.statistics import quarter_statistics
from bot.texts import texts_for
from scheduler.jobs import Schedule
from spotcheck.classes import SupervisionClass
from spotcheck.quota import Level
from spotcheck.roles import Role
from spotcheck.statistics import QuarterStatistics, Tally, total
from tests.chart_pixels import close, measure
from tests.e2e.conftest import SQLITE_ONLY, BotHarness, OpenBot
from tests.e2e.fake_telegram import TgUser

SHANGHAI = ZoneInfo("Asia/Shanghai")
JINGXIU, CITY = "130602", "130600"
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
NO_FONT_NOTICE = (
    f"【统计图】字体 {DEJAVU} 缺少这些字的字形：保定市竞秀区莲池完成率已通过抽数应特殊重点一般，"
    "周报暂只发文字，不附统计图。请安装字体包：apt-get install fonts-wqy-zenhei，"
    "或在配置 [charts] font 中指定字形完整的中文字体。"
)


def at(day: int, hour: int = 8, minute: int = 30) -> datetime:
    return datetime(2024, 3, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def schedule(bot: BotHarness, now: datetime) -> Schedule:
    """The running Application's schedule, its clock at ``now``."""
    found = bot.app.bot_data.schedule
    found.clock = lambda: now
    return found


async def admins(bot: BotHarness) -> tuple[TgUser, TgUser]:
    city = (await bot.staff(Role.ADMIN, CITY))[0].cert_no
    county = (await bot.staff(Role.COUNTY_ADMIN, JINGXIU))[0].cert_no
    return await bot.bind(8701, city), await bot.bind(8702, county)


async def draw_special(bot: BotHarness) -> None:
    request = DrawRequest(
        "2024Q1", Level.COUNTY, "cli", region=JINGXIU, supervision_class=SupervisionClass.SPECIAL
    )
    await draws.execute(bot.ctx, request)


async def statistics(bot: BotHarness, region: str | None = None) -> QuarterStatistics:
    async with bot.ctx.sessions() as session:
        return await quarter_statistics(bot.ctx, session, "2024Q1", region)


def photos(bot: BotHarness, user: TgUser) -> list[dict[str, Any]]:
    return [m for m in bot.fake.sent_to(user.id) if "photo" in m]


def png_of(bot: BotHarness, message: dict[str, Any]) -> bytes:
    return bot.fake.file_content(message["photo"][-1])


def shares(tallies: list[Tally]) -> tuple[list[Fraction], list[Fraction]]:
    """The bars a person should see, top to bottom: (passed, drawn) ÷ 应抽数, where drawn."""
    drawn = [t for t in tallies if t.minimum and t.drawn]
    return (
        [Fraction(t.passed, t.minimum) for t in drawn if t.passed],
        [Fraction(t.drawn, t.minimum) for t in drawn],
    )


@SQLITE_ONLY
async def test_the_city_admin_gets_the_county_chart_weekly_and_once(bot: BotHarness) -> None:
    async with bot.running():
        await bot.background.catch_up
        boss, county = await admins(bot)
        await draw_special(bot)
        await bot.settle()
        assert await schedule(bot, at(18)).city_digests() == 1  # Monday, 08:30
        await bot.settle()
        [sent] = photos(bot, boss)
        table = await statistics(bot)
        assert sent["caption"] == city_text(bot.ctx, texts_for("zh"), table)
        assert sent["caption"].startswith("【周报】保定市 2024Q1 双随机抽查进度\n县级（各区县）：")
        seen = measure(png_of(bot, sent))
        assert seen.size[0] >= 900 and seen.size[1] > 27 * 30  # a row per county and the city
        counties = sorted({r.region for r in table.rows if r.region is not None})
        tallies = [total(r.tally for r in table.of_county(c)) for c in counties]
        tallies.append(total(r.tally for r in table.rows if r.level is Level.CITY))
        passed, drawn = shares(tallies)
        assert drawn and close(seen.reached, drawn, seen.unit), (seen, drawn)
        assert close(seen.passed, passed, seen.unit)
        assert photos(bot, county) == []  # the county admin's digest is his own
        assert await schedule(bot, at(19)).city_digests() == 0  # the same week: nothing
    # down over the next Monday's 08:30: the start catches the week's digest up, once
    for hour in (10, 11):
        schedule(bot, at(25, hour))
        async with bot.running():
            await bot.background.catch_up
            await bot.settle()
    assert len(photos(bot, boss)) == 2


@SQLITE_ONLY
async def test_the_county_admin_s_digest_carries_his_classes_chart(bot: BotHarness) -> None:
    async with bot.running():
        await bot.background.catch_up
        _, county = await admins(bot)
        await draw_special(bot)
        await bot.settle()
        assert await schedule(bot, at(18)).county_digests() == 1
        await bot.settle()
        [sent] = photos(bot, county)
        assert sent["caption"].startswith("【周报】竞秀区 2024Q1 县级抽查进度\n特殊 ")
        await bot.send(county, "/digest")  # the same digest on demand, as text
        assert bot.fake.last_text(county.id) == sent["caption"]
        seen = measure(png_of(bot, sent))
        assert seen.size[1] < 400  # three classes
        rows = (await statistics(bot, JINGXIU)).of_county(JINGXIU)
        passed, drawn = shares([r.tally for r in rows])
        assert drawn == [Fraction(1)]  # the special class drawn in full, nothing passed yet
        assert close(seen.reached, drawn, seen.unit) and seen.passed == passed == []


@SQLITE_ONLY
async def test_without_a_chinese_font_digests_go_as_text_and_the_city_hears_once(
    open_bot: OpenBot,
) -> None:
    assert Path(DEJAVU).is_file()
    bot = await open_bot(charts={"font": DEJAVU})
    async with bot.running():
        await bot.background.catch_up
        boss, county = await admins(bot)
        assert await schedule(bot, at(18)).city_digests() == 2  # the digest and the notice
        assert await schedule(bot, at(18)).county_digests() == 1  # the notice was given
        await bot.settle()
        assert await schedule(bot, at(25)).city_digests() == 1  # next week: the digest only
        await bot.settle()
    assert photos(bot, boss) == photos(bot, county) == []
    table = await statistics(bot)
    digest = city_text(bot.ctx, texts_for("zh"), table)
    assert bot.said(boss.id)[-3:] == [digest, NO_FONT_NOTICE, digest]
    assert bot.said(county.id)[-1].startswith("【周报】竞秀区 2024Q1 县级抽查进度\n")


@SQLITE_ONLY
async def test_a_chart_telegram_refuses_is_named_to_the_city_admin(bot: BotHarness) -> None:
    async with bot.running():
        await bot.background.catch_up
        boss, county = await admins(bot)
        bot.fake.fail_next("sendPhoto", 400, "Bad Request: IMAGE_PROCESS_FAILED")
        assert await schedule(bot, at(18)).county_digests() == 1
        await bot.settle()
    name = await bot.name_of((await bot.staff(Role.COUNTY_ADMIN, JINGXIU))[0].cert_no)
    assert photos(bot, county) == []
    assert bot.said(boss.id)[-1].startswith(f"【消息未送达】Telegram 拒收了发给{name}（")
    assert "）的统计图（Image_process_failed）" in bot.said(boss.id)[-1]  # PTB's wording
