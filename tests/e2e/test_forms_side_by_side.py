"""The chat forms as drafts of the form engine (issue 15): one person holds a /draw and a
申请回避 at once and finishes both; a button pressed twice at once counts once; a restart in
the middle of /draw loses nothing; /cancel leaves an inspection draft alone."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update

from bot.services import chat_draw, identity
from bot.services.chat_draw import FormProblem
from spotcheck.roles import Role
from storage import draft_store
from storage.draft_models import FormDraft
from storage.draft_store import Stamp
from storage.draw_models import Conflict, DrawPlan
from storage.models import Inspector, utcnow
from tests.e2e.conftest import STALE, BotHarness, walk_draw
from tests.e2e.test_assignments import drawn_with_a_push
from tests.e2e.test_recusal_reason import REASON

CITY = "130600"
SEED = "2026年第139期 05 11 17 23 30 + 08"


async def test_a_recusal_started_during_draw_keeps_the_draw_and_both_complete(
    bot: BotHarness,
) -> None:
    async with bot.running():
        cert, user, push, _ = await drawn_with_a_push(bot)
        async with bot.ctx.sessions() as session, session.begin():  # he is made county admin
            await session.execute(
                update(Inspector)
                .where(Inspector.cert_no == cert)
                .values(role=Role.COUNTY_ADMIN.value)
            )
        await bot.send(user, "/draw")
        quarters = bot.fake.buttons(bot.fake.last_message(user.id))
        await bot.press(user, quarters[1][0])  # next quarter: this one is drawn already
        await bot.press(user, "特殊")
        await bot.press(user, "不定向")
        seed_asked = bot.fake.last_message(user.id)
        assert seed_asked is not None and seed_asked["text"].startswith("第 6 步")
        # 申请回避 on his task while the draw waits for its seed: the reason is the next text
        await bot.press(user, "申请回避", push)
        assert {d.kind for d in await bot.all(select(FormDraft))} == {"draw", "recusal"}
        await bot.send(user, REASON)
        await bot.settle()
        recused = [t for t in bot.said(user.id) if t.startswith("回避申请已登记：")]
        # the draw is still there: the next text is its public seed
        await bot.send(user, SEED)
        preview = bot.fake.last_message(user.id)
        assert preview is not None
        await bot.press(user, "确认抽取", preview)
        await bot.settle()

    assert len(recused) == 1  # (as a county admin now, he is told of the team change too)
    [conflict] = await bot.all(select(Conflict))
    assert (conflict.cert_no, conflict.reason) == (cert, REASON)
    assert preview["text"].startswith("预览：")
    plans = await bot.all(select(DrawPlan).order_by(DrawPlan.id))
    assert [p.quarter for p in plans][1:] == [quarters[1][0]]
    assert any(t.endswith(f"公开文本“{SEED}”") for t in bot.said(user.id))
    assert await bot.all(select(FormDraft)) == []


async def test_the_same_draw_button_pressed_twice_at_once_counts_once(bot: BotHarness) -> None:
    [admin] = (await bot.staff(Role.ADMIN, CITY))[:1]
    async with bot.running():
        boss = await bot.bind(6301, admin.cert_no)
        await bot.send(boss, "/draw")
        asked = bot.fake.last_message(6301)
        assert asked is not None
        [(label, data), *_] = bot.fake.buttons(asked)
        first = bot.fake.press(boss, asked, str(data))
        second = bot.fake.press(boss, asked, str(data))
        await bot.fake.until_idle()
        [draft] = await bot.all(select(FormDraft))

    answers = [bot.fake.callback_answer(first), bot.fake.callback_answer(second)]
    assert sorted(str((a or {}).get("text")) for a in answers) == sorted(["None", STALE])
    assert [t for t in bot.said(6301) if t.startswith("第 2 步")] == ["第 2 步：选择层级"]
    assert (draft.version, draft.question, draft.data["quarters"][int(draft.data["quarter"])]) == (
        2,
        "level",
        label,
    )


async def test_a_restart_in_the_middle_of_draw_loses_nothing(bot: BotHarness) -> None:
    [admin] = (await bot.staff(Role.ADMIN, CITY))[:1]
    async with bot.running():
        boss = await bot.bind(6302, admin.cert_no)
        await bot.send(boss, "/draw")
        await bot.press(boss, bot.fake.buttons(bot.fake.last_message(6302))[0][0])
        await bot.press(boss, "县级")
        asked = bot.fake.last_message(6302)
    async with bot.running():  # a new Application on the same database
        await bot.press(boss, "竞秀区", asked)
        await bot.press(boss, "重点")
        await bot.press(boss, "不定向")
        await bot.press(boss, "服务器随机")
        preview = bot.fake.last_message(6302)

    assert preview is not None and preview["text"].startswith("预览：")
    assert preview["text"].split("\n")[1].startswith("竞秀区 重点 ")
    assert bot.fake.buttons(preview)[0][0] == "确认抽取"


async def test_a_second_draw_makes_the_first_ones_buttons_stale(bot: BotHarness) -> None:
    [admin] = (await bot.staff(Role.ADMIN, CITY))[:1]
    async with bot.running():
        boss = await bot.bind(6303, admin.cert_no)
        await bot.send(boss, "/draw")
        first = bot.fake.last_message(6303)
        await bot.send(boss, "/draw")
        assert first is not None
        pressed = await bot.press(boss, bot.fake.buttons(first)[0][0], first)

    answer = bot.fake.callback_answer(pressed)
    assert answer is not None and (answer.get("text"), answer.get("show_alert")) == (STALE, True)
    [draft] = await bot.all(select(FormDraft))
    assert "quarter" not in draft.data


async def test_cancel_drops_the_draw_but_leaves_an_inspection_draft(bot: BotHarness) -> None:
    [admin] = (await bot.staff(Role.ADMIN, CITY))[:1]
    async with bot.running():
        boss = await bot.bind(6304, admin.cert_no)
        async with bot.ctx.sessions() as session, session.begin():
            await draft_store.open_draft(
                session, boss.id, "inspection", {}, "checkin", utcnow(), "1"
            )
        await walk_draw(bot, boss)
        await bot.send(boss, "/cancel")

    assert bot.said(6304)[-1] == "已取消。"
    assert [d.kind for d in await bot.all(select(FormDraft))] == ["inspection"]


async def test_two_answers_at_the_same_version_write_once(bot: BotHarness) -> None:
    """Below the per-chat queue (two phones, two bot processes): the version moves by
    compare-and-set in SQL, so of two answers read at the same version one is written (on
    PostgreSQL both read version 1 before either writes; SQLite's write gate orders them)."""
    [admin] = (await bot.staff(Role.ADMIN, CITY))[:1]
    async with bot.running():
        boss = await bot.bind(6305, admin.cert_no)
        await bot.send(boss, "/draw")
    person = await identity.who(bot.ctx, boss.id)
    assert person is not None
    [opened] = await bot.all(select(FormDraft))
    at = Stamp(opened.id, 1)
    outcomes = await asyncio.gather(
        chat_draw.choose(bot.ctx, person, at, "quarter", "0"),
        chat_draw.choose(bot.ctx, person, at, "quarter", "1"),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, FormProblem)]
    taken = [o for o in outcomes if isinstance(o, chat_draw.Step)]
    assert len(refused) == 1 and refused[0].kind == "stale" and len(taken) == 1
    [draft] = await bot.all(select(FormDraft))
    assert (draft.version, draft.data["quarter"]) == (2, taken[0].answers["quarter"])


async def test_a_text_answers_the_form_whose_question_was_asked_last(bot: BotHarness) -> None:
    async with bot.running():
        cert, user, push, _ = await drawn_with_a_push(bot)
        async with bot.ctx.sessions() as session, session.begin():
            await session.execute(
                update(Inspector)
                .where(Inspector.cert_no == cert)
                .values(role=Role.COUNTY_ADMIN.value)
            )
        await bot.send(user, "/draw")
        quarters = bot.fake.buttons(bot.fake.last_message(user.id))
        await bot.press(user, quarters[1][0])
        class_asked = bot.fake.last_message(user.id)
        await bot.press(user, "申请回避", push)  # asked for a reason …
        await bot.press(user, "特殊", class_asked)  # … then goes on with the draw
        await bot.press(user, "不定向")
        await bot.send(user, SEED)  # the seed: its question came last
        preview = bot.fake.last_text(user.id) or ""
        await bot.send(user, REASON)  # then the reason, still waiting
        await bot.settle()

    assert preview.startswith("预览：")
    [conflict] = await bot.all(select(Conflict))
    assert conflict.reason == REASON
    [draft] = await bot.all(select(FormDraft))
    assert (draft.kind, draft.data["seed_text"]) == ("draw", SEED)
