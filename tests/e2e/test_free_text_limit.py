"""Free text over [limits] free_text_chars is refused with the reason, before anything reads
or stores it (issue 16, item 4): the typed public seed and a question here; the recusal reason
in test_recusal_reason.py."""

from __future__ import annotations

from sqlalchemy import select

from spotcheck.roles import Role
from storage.draft_models import FormDraft
from storage.draw_models import DrawRecord
from tests.e2e.conftest import BotHarness, walk_draw

CITY = "130600"


async def test_a_typed_seed_over_the_limit_is_refused_and_the_form_waits(
    bot: BotHarness,
) -> None:
    [admin] = (await bot.staff(Role.ADMIN, CITY))[:1]
    async with bot.running():
        boss = await bot.bind(6201, admin.cert_no)
        await bot.send(boss, "/draw")
        while not (bot.fake.last_text(6201) or "").startswith("第 6 步"):
            message = bot.fake.last_message(6201)
            label = {"第 2 步": "县级", "第 3 步": "竞秀区", "第 4 步": "特殊", "第 5 步": "不定向"}
            step = (bot.fake.last_text(6201) or "")[:4]
            await bot.press(boss, label.get(step) or bot.fake.buttons(message)[0][0])
        [before] = await bot.all(select(FormDraft))
        await bot.send(boss, "7" * 501)
        refused = bot.fake.last_text(6201)
        [after] = await bot.all(select(FormDraft))
        preview = await walk_draw(bot, boss, seed="7" * 500)  # at the limit: taken

    assert refused == "内容过长（501 字），最多 500 字。未作任何处理，请精简后重新发送。"
    assert (after.version, after.data) == (before.version, before.data)
    assert "seed" not in after.data and after.question == "seed"  # still the open question
    assert preview["text"].startswith("预览：")
    assert await bot.all(select(DrawRecord)) == []


async def test_a_question_over_the_limit_is_refused(open_bot) -> None:  # type: ignore[no-untyped-def]
    bot: BotHarness = await open_bot(limits={"free_text_chars": 20})
    [inspector, *_] = await bot.staff(Role.INSPECTOR, "130602")
    async with bot.running():
        user = await bot.bind(6202, inspector.cert_no)
        await bot.send(user, "县" * 21)
        await bot.send(user, "/ask " + "县" * 21)

    assert (
        bot.fake.texts(6202)[-2:]
        == ["内容过长（21 字），最多 20 字。未作任何处理，请精简后重新发送。"] * 2
    )
