"""Numbers from users and buttons are ASCII digits only: '²'.isdigit() is True and int('١')
is 1, so a check made of those let forgeries reach the error apology or mean another number
(issue 16, item 7)."""

from __future__ import annotations

from sqlalchemy import select

from bot import callback_data
from spotcheck.roles import Role
from storage.bot_models import PolicyDocument
from storage.draft_models import FormDraft
from tests.e2e.conftest import STALE, BotHarness
from tests.test_qa_service import DRONE, DRONE_TEXT

CITY = "130600"


async def test_forged_tag_number_is_refused_as_stale(bot: BotHarness) -> None:
    [admin] = (await bot.staff(Role.ADMIN, CITY))[:1]
    async with bot.running():
        boss = await bot.bind(6101, admin.cert_no)
        await bot.send(boss, "/draw")
        await bot.press(boss, bot.fake.buttons(bot.fake.last_message(6101))[0][0])  # quarter
        await bot.press(boss, "县级")
        await bot.press(boss, "竞秀区")
        await bot.press(boss, "特殊")
        assert (bot.fake.last_text(6101) or "").startswith("第 5 步")
        [form] = await bot.all(select(FormDraft))
        before = (form.version, dict(form.data))
        tag = callback_data.form_step("draw", form.id, form.version, "tag", "0")[: -len("0")]
        answers = [
            bot.fake.callback_answer(await bot.forge(boss, tag + digit))
            for digit in ("²", "١", "0x0", "-0", " 0", "00", "9")
        ]
        [after] = await bot.all(select(FormDraft))

    for answer in answers:
        assert answer is not None and (answer.get("text"), answer.get("show_alert")) == (
            STALE,
            True,
        )
    assert (after.version, dict(after.data)) == before


async def test_policies_remove_takes_ascii_digits_only(bot: BotHarness) -> None:
    [admin] = (await bot.staff(Role.ADMIN, CITY))[:1]
    async with bot.running():
        boss = await bot.bind(6102, admin.cert_no)
        bot.fake.send_document(boss, DRONE_TEXT.encode(), f"{DRONE}.txt", "text/plain")
        await bot.fake.until_idle()
        [document] = await bot.all(select(PolicyDocument))
        assert document.id == 1
        await bot.send(boss, "/policies remove ²")
        await bot.send(boss, "/policies remove ١")  # Arabic-Indic one: int() reads it as 1

    listing = bot.fake.texts(6102)[-2:]
    assert all(text.startswith("规定库：\n") and f"1. 《{DRONE}》" in text for text in listing)
    [document] = await bot.all(select(PolicyDocument))
    assert document.active
