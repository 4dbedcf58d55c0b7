"""Error reports to the admin chat ([telegram] error_chat_id) name the error, never its SQL or
the values it carried: a database error's text holds the statement, its parameters and, on
PostgreSQL, a DETAIL quoting the row's values — confidential data (who checks whom, recusal
reasons). Here a real database error whose parameters hold a secret."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.services import identity
from spotcheck.roles import Role
from storage.models import Inspector
from tests.e2e.conftest import APOLOGY, OpenBot
from tests.e2e.fake_telegram import run_application

SECRET = "机密-13060299999"  # the 执法证号 the failing statement carries
ERROR_CHAT = 9000
# A trigger refusing every invitation; PostgreSQL's quotes the value, as many messages of the
# database and the driver do ("invalid input for query argument $2: '…'").
BREAK_INVITES = {
    "postgresql": [
        "CREATE FUNCTION no_invites() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'no invitation for %', NEW.cert_no; END $$",
        "CREATE TRIGGER no_invites BEFORE INSERT ON invites "
        "FOR EACH ROW EXECUTE FUNCTION no_invites()",
    ],
    "sqlite": [
        "CREATE TRIGGER no_invites BEFORE INSERT ON invites "
        "BEGIN SELECT RAISE(ABORT, 'no invitations'); END"
    ],
}


async def test_a_database_error_is_reported_without_its_parameters(open_bot: OpenBot) -> None:
    bot = await open_bot(telegram={"error_chat_id": ERROR_CHAT})
    bot.user(ERROR_CHAT, "运维")
    [city_admin] = (await bot.staff(Role.ADMIN, "130600"))[:1]
    async with bot.ctx.sessions() as session, session.begin():
        session.add(
            Inspector(
                cert_no=SECRET,
                name="新同事",
                unit="竞秀区分局",
                region_code="130602",
                specialties=[],
                role="inspector",
                status="on_duty",
                active=True,
            )
        )
    async with run_application(bot.app, bot.fake):
        admin = await bot.bind(6100, city_admin.cert_no)
        # From here on an invitation fails in the database with SECRET among its parameters.
        async with bot.ctx.engine.begin() as connection:
            for statement in BREAK_INVITES[connection.dialect.name]:
                await connection.execute(text(statement))
        await bot.send(admin, f"/invite {SECRET}")
        await bot.fake.until_idle()

    assert bot.fake.last_text(admin.id) == APOLOGY
    [report] = bot.said(ERROR_CHAT)
    assert report.startswith("机器人出错：处理第 ")
    assert "Error" in report  # the exception's type, and where it was raised
    assert "handlers/invite.py" in report
    assert SECRET not in report
    assert "INSERT" not in report and "invites" not in report


async def test_database_errors_keep_their_parameters_out_of_their_text(open_bot: OpenBot) -> None:
    """What the log's traceback shows: the statement, never the values bound to it."""
    bot = await open_bot()
    async with bot.ctx.engine.begin() as connection:
        for statement in BREAK_INVITES[connection.dialect.name]:
            await connection.execute(text(statement))
    with pytest.raises(DBAPIError) as raised:
        await identity.create_invite(bot.ctx, "13060000157", "cli")
    shown = str(raised.value)
    statement = shown[shown.index("[SQL:") :]
    assert "INSERT INTO invites" in statement
    assert "13060000157" not in statement
