"""The city admins' weekly digest text, read from the seeded quarter's statistics (the numbers
worked out in tests/test_statistics.py): both levels, the follow-ups, the quota rows not met,
and the plan's three shares."""

from __future__ import annotations

from bot.context import AppContext
from bot.services.digests import city_text
from bot.services.statistics import quarter_statistics
from bot.texts import texts_for
from tests.factories_statistics import QUARTER, seed_quarter


async def test_the_city_digest_names_the_totals_the_unmet_quotas_and_the_shares(
    ctx: AppContext,
) -> None:
    await seed_quarter(ctx)
    async with ctx.sessions() as session:
        table = await quarter_statistics(ctx, session, QUARTER)
    assert city_text(ctx, texts_for("zh"), table).splitlines() == [
        "【周报】保定市 2026Q4 双随机抽查进度",
        # 竞秀区 3 + 1 + 1 and 莲池区 1 required; 4 + 1 drawn; one passed in each
        "县级（各区县）：应抽 6 · 已抽 5 · 已通过 2 · 完成率 33%",
        # key 2, special 1, general 1 at 10% / 10% / 3% of the city
        "市级：应抽 4 · 已抽 1 · 已通过 1 · 完成率 25%",
        "发现问题 2 · 责令改正 1 · 立案查处 1 · 移交 1 · 未完结整改 1",
        "配额（已抽数 ≥ 应抽数）：7 项中 4 项未达标：竞秀区 重点、市级 特殊、市级 重点、市级 一般",
        "内部联合抽查占比 4/6 = 66%（不低于 30%）达标",
        # 66.7% is shown 66%, rounded down: never a share it falls short of
        "信用风险分类抽查占比 4/6 = 66%（不低于 85%）未达标",
        "正面清单非现场监管覆盖率 4/4 = 100%（应为 100%）达标",
    ]


async def test_an_empty_quarter_s_digest_has_nothing_to_measure(ctx: AppContext) -> None:
    async with ctx.sessions() as session:
        table = await quarter_statistics(ctx, session, QUARTER)
    lines = city_text(ctx, texts_for("zh"), table).splitlines()
    assert lines[1] == "县级（各区县）：应抽 0 · 已抽 0 · 已通过 0 · 完成率 —"
    assert not any(line.startswith("配额") for line in lines)
    assert lines[-3:] == [
        "内部联合抽查占比：无可计（不低于 30%）",
        "信用风险分类抽查占比：无可计（不低于 85%）",
        "正面清单非现场监管覆盖率：无可计（应为 100%）",
    ]
