"""Access by invitation: /start CODE, expired/used/wrong codes, /invite, strangers, role menus."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.services import identity
from spotcheck.roles import DutyStatus, Role
from storage.bot_models import HandledUpdate, Invite, Stranger, TelegramAccount
from storage.draft_models import FormDraft
from storage.draw_models import DrawPlan, DrawRecord
from storage.models import AuditLog, Inspector, utcnow
from tests.e2e.conftest import (
    ADMIN_MENU,
    COUNTY_ADMIN_MENU,
    INSPECTOR_MENU,
    LEAD_MENU,
    STRANGER_MENU,
    STRANGER_REFUSAL,
    BotHarness,
)

JINGXIU, LIANCHI, CITY = "130602", "130606", "130600"


async def test_invite_code_binds_the_account_and_sets_the_inspector_menu(bot: BotHarness) -> None:
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    code, _ = await identity.create_invite(bot.ctx, inspector.cert_no, "cli")
    user = bot.user(2001, "手机用户")
    async with bot.running():
        await bot.send(user, f"/start {code}")
        await bot.send(user, "/help")

    assert bot.fake.texts(2001) == [
        f"{inspector.name}，您好！已绑定为执法人员。发送 /help 查看可用命令。",
        "可用命令：\n/tasks — 我的检查任务\n/report — 填写现场检查结果\n"
        "/resume — 继续填写未完成的表单\n/followups — 未完结的后续处理（办结）\n/ask — 问政策：/ask 问题\n/deadlines — 近期报送期限\n/help — 帮助\n/cancel — 取消当前操作",
    ]
    assert bot.fake.commands_for(2001) == INSPECTOR_MENU
    assert not any(name == "draw" for name, _ in bot.fake.commands_for(2001))
    [menu_call] = [c for c in bot.fake.calls_to("setMyCommands") if c.params.get("scope")]
    assert menu_call.params["scope"] == {"type": "chat", "chat_id": 2001}
    [account] = await bot.all(select(TelegramAccount))
    assert (account.user_id, account.chat_id, account.cert_no, account.reachable) == (
        2001,
        2001,
        inspector.cert_no,
        True,
    )
    [invite] = await bot.all(select(Invite))
    assert invite.used_by == 2001 and invite.used_at is not None
    assert code not in {invite.code_sha256}  # only the hash is kept
    binds = await bot.all(select(AuditLog).where(AuditLog.action == "bind"))
    assert [(a.actor, a.entity_key) for a in binds] == [
        (f"tg:2001/{inspector.cert_no}", inspector.cert_no)
    ]


async def test_admin_menu_has_draw_and_invite_and_help_lists_them(bot: BotHarness) -> None:
    [admin, *_] = await bot.staff(Role.ADMIN, CITY)
    async with bot.running():
        user = await bot.bind(3001, admin.cert_no)
        await bot.send(user, "/help")

    assert (
        bot.fake.texts(3001)[0] == f"{admin.name}，您好！已绑定为管理员。发送 /help 查看可用命令。"
    )
    assert bot.fake.commands_for(3001) == ADMIN_MENU
    assert bot.fake.last_text(3001) == "\n".join(
        ["可用命令："] + [f"/{name} — {text}" for name, text in ADMIN_MENU]
    )


async def test_each_role_sees_its_own_menu(bot: BotHarness) -> None:
    people = {
        Role.INSPECTOR: (await bot.staff(Role.INSPECTOR, JINGXIU))[0],
        Role.LEAD: (await bot.staff(Role.LEAD, JINGXIU))[0],
        Role.COUNTY_ADMIN: (await bot.staff(Role.COUNTY_ADMIN, JINGXIU))[0],
        Role.ADMIN: (await bot.staff(Role.ADMIN, CITY))[0],
    }
    stranger = bot.user(4999, "路人")
    async with bot.running():
        for user_id, person in enumerate(people.values(), start=4001):
            await bot.bind(user_id, person.cert_no)

    menus = {role: bot.fake.commands_for(4001 + i) for i, role in enumerate(people)}
    # inspectors, leads (+ /digest), county admins (+ /draw, /invite) and city admins (+ /policies)
    assert menus == {
        Role.INSPECTOR: INSPECTOR_MENU,
        Role.LEAD: LEAD_MENU,
        Role.COUNTY_ADMIN: COUNTY_ADMIN_MENU,
        Role.ADMIN: ADMIN_MENU,
    }
    assert bot.fake.commands_for(stranger.id) == STRANGER_MENU
    welcome_tail = "。发送 /help 查看可用命令。"
    roles = [
        bot.fake.texts(4001 + i)[0].split("已绑定为")[1].removesuffix(welcome_tail)
        for i in range(4)
    ]
    assert roles == ["执法人员", "组长", "区县管理员", "管理员"]
    scoped = [
        c.params["scope"] for c in bot.fake.calls_to("setMyCommands") if c.params.get("scope")
    ]
    assert scoped == [{"type": "chat", "chat_id": 4001 + i} for i in range(4)]


async def test_expired_code_is_refused(bot: BotHarness) -> None:
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    long_ago = utcnow() - timedelta(hours=bot.ctx.config.invite_ttl_hours, minutes=1)
    code, expires = await identity.create_invite(bot.ctx, inspector.cert_no, "cli", now=long_ago)
    assert expires < utcnow()
    user = bot.user(2002)
    async with bot.running():
        await bot.send(user, f"/start {code}")

    assert bot.fake.texts(2002) == ["该邀请码已过期，请向管理员索取新的邀请码。"]
    assert bot.fake.commands_for(2002) == STRANGER_MENU
    assert await bot.all(select(TelegramAccount)) == []
    [invite] = await bot.all(select(Invite))
    assert invite.used_at is None


async def test_invite_ttl_comes_from_the_configuration(open_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await open_bot(invites={"ttl_hours": 1})
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    code, _ = await identity.create_invite(
        bot.ctx, inspector.cert_no, "cli", now=utcnow() - timedelta(minutes=61)
    )
    fresh, _ = await identity.create_invite(
        bot.ctx, inspector.cert_no, "cli", now=utcnow() - timedelta(minutes=59)
    )
    user = bot.user(2003)
    async with bot.running():
        await bot.send(user, f"/start {code}")
        await bot.send(user, f"/start {fresh}")

    assert bot.fake.texts(2003)[0] == "该邀请码已过期，请向管理员索取新的邀请码。"
    assert bot.fake.texts(2003)[1].endswith("已绑定为执法人员。发送 /help 查看可用命令。")


async def test_reused_code_is_refused(bot: BotHarness) -> None:
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    code, _ = await identity.create_invite(bot.ctx, inspector.cert_no, "cli")
    first, second = bot.user(2004), bot.user(2005, "另一部手机")
    async with bot.running():
        await bot.send(first, f"/start {code}")
        await bot.send(second, f"/start {code}")

    assert bot.fake.texts(2005) == ["该邀请码已被使用过。如需重新绑定，请向管理员索取新的邀请码。"]
    assert bot.fake.commands_for(2005) == STRANGER_MENU
    accounts = await bot.all(select(TelegramAccount))
    assert [(a.user_id, a.cert_no) for a in accounts] == [(2004, inspector.cert_no)]


async def test_wrong_code_is_refused(bot: BotHarness) -> None:
    user = bot.user(2006)
    async with bot.running():
        await bot.send(user, "/start ABCDEFGHJK")

    assert bot.fake.texts(2006) == ["邀请码不正确，请核对后重新发送 /start 邀请码。"]
    assert await bot.all(select(TelegramAccount)) == []


async def test_county_admin_invites_his_county_only(bot: BotHarness) -> None:
    [county_admin] = await bot.staff(Role.COUNTY_ADMIN, JINGXIU)
    [own, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    [other, *_] = await bot.staff(Role.INSPECTOR, LIANCHI)
    async with bot.running():
        admin = await bot.bind(3002, county_admin.cert_no)
        await bot.send(admin, f"/invite {other.cert_no}")
        refused = bot.fake.last_text(3002)
        await bot.send(admin, f"/invite {own.cert_no}")
        created = bot.fake.last_text(3002) or ""
        code = created.split("一次性邀请码：")[1].split("\n")[0]
        newcomer = bot.user(2007)
        await bot.send(newcomer, f"/start {code}")

    assert refused == "您只能为本区县的执法人员和组长生成邀请码。"
    assert created.startswith(
        f"已为 {own.name}（{own.cert_no}）生成一次性邀请码：{code}\n有效期至 "
    )
    assert created.endswith(f"。请本人向机器人发送：/start {code}")
    assert bot.fake.texts(2007) == [
        f"{own.name}，您好！已绑定为执法人员。发送 /help 查看可用命令。"
    ]
    invites = await bot.all(select(Invite).order_by(Invite.id))
    # the binding code of the admin, then the one for his own inspector; none for the other
    assert [i.cert_no for i in invites] == [county_admin.cert_no, own.cert_no]
    assert invites[1].created_by == f"tg:3002/{county_admin.cert_no}"


async def test_inspector_cannot_invite(bot: BotHarness) -> None:
    [inspector, other, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    async with bot.running():
        user = await bot.bind(2008, inspector.cert_no)
        await bot.send(user, f"/invite {other.cert_no}")

    assert bot.fake.last_text(2008) == "只有管理员可以生成邀请码。"
    assert [i.cert_no for i in await bot.all(select(Invite))] == [inspector.cert_no]


async def test_stranger_gets_one_refusal_and_nothing_else(bot: BotHarness) -> None:
    stranger = bot.user(9001, "路人")
    async with bot.running():
        await bot.send(stranger, "你好，请问怎么用？")
        await bot.send(stranger, "/tasks")
        await bot.send(stranger, "/draw")
        await bot.send(stranger, "/start")
        await bot.send(stranger, "/help")
        press = await bot.forge(stranger, "1:ok:1")
        await bot.forge(stranger, "1:fm:dw:1:1:quarter:0")
        bot.fake.send_document(stranger, b"PK\x03\x04fake", "名录.xlsx")
        await bot.fake.until_idle()
        bot.fake.send_location(stranger, 38.87, 115.46)
        await bot.fake.until_idle()

    assert bot.fake.texts(9001) == [STRANGER_REFUSAL]
    to_him = [c for c in bot.fake.api_calls() if c.chat_id == 9001]
    assert [c.method for c in to_him] == ["sendMessage"]
    # his button presses are answered silently (else his client spins), with no text
    answer = bot.fake.callback_answer(press)
    assert answer is not None and "text" not in answer
    assert bot.fake.commands_for(9001) == STRANGER_MENU
    assert await bot.all(select(TelegramAccount)) == []
    assert await bot.all(select(DrawRecord)) == []
    assert await bot.all(select(DrawPlan)) == []
    assert await bot.all(select(FormDraft)) == []
    assert [s.user_id for s in await bot.all(select(Stranger))] == [9001]
    assert len(await bot.all(select(HandledUpdate))) == 9


async def test_start_delivered_again_after_a_restart_is_handled_once(bot: BotHarness) -> None:
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    code, _ = await identity.create_invite(bot.ctx, inspector.cert_no, "cli")
    user = bot.user(2009)
    async with bot.running():
        first = await bot.send(user, f"/start {code}")
    again = bot.fake.duplicate_last_update()  # the bot crashed before Telegram heard it
    async with bot.running():  # a new process: only the database remembers
        await bot.fake.until_idle()

    assert again["update_id"] == first["update_id"]
    fetched = [
        u["update_id"]
        for c in bot.fake.calls_to("getUpdates")
        if c.ok and c.response
        for u in c.response["result"]
    ]
    assert fetched.count(first["update_id"]) == 2  # the second process did get it
    assert bot.fake.texts(2009) == [
        f"{inspector.name}，您好！已绑定为执法人员。发送 /help 查看可用命令。"
    ]
    assert len(await bot.all(select(AuditLog).where(AuditLog.action == "bind"))) == 1
    handled = await bot.all(select(HandledUpdate.update_id))
    assert handled.count(first["update_id"]) == 1


async def test_an_inspector_taken_off_the_directory_loses_access_at_once(bot: BotHarness) -> None:
    """Who is writing is read from the database on every update: no cache keeps a
    deactivated or transferred inspector in."""
    [gone, moved] = (await bot.staff(Role.INSPECTOR, JINGXIU))[:2]
    async with bot.running():
        first, second = await bot.bind(2101, gone.cert_no), await bot.bind(2102, moved.cert_no)
        await bot.send(first, "/tasks")
        async with bot.ctx.sessions() as session, session.begin():
            await session.execute(
                update(Inspector).where(Inspector.cert_no == gone.cert_no).values(active=False)
            )
            await session.execute(
                update(Inspector)
                .where(Inspector.cert_no == moved.cert_no)
                .values(status=DutyStatus.TRANSFERRED.value)
            )
        await bot.send(first, "/tasks")
        await bot.send(second, "/tasks")
        await bot.send(second, "/help")

    assert bot.said(first.id)[1:] == ["您目前没有检查任务。", STRANGER_REFUSAL]
    assert bot.said(second.id)[1:] == [STRANGER_REFUSAL]
