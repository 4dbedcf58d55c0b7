"""Who may invite whom in chat: a county admin invites only the inspectors and team leads of his
county. An invitation binds the invitee's account and cuts off the phone bound before, so
inviting an admin would take his account over (issue 16, item 3)."""

from __future__ import annotations

from sqlalchemy import select

from spotcheck.roles import DutyStatus, Role
from storage.bot_models import Invite, TelegramAccount
from storage.models import Inspector
from tests.e2e.conftest import BotHarness

JINGXIU, LIANCHI, CITY = "130602", "130606", "130600"
NOT_ALLOWED = "您只能为本区县的执法人员和组长生成邀请码。"


async def _peer_admin(bot: BotHarness) -> Inspector:
    """A second 区县管理员 of 竞秀区 (the demo directory has one per county)."""
    async with bot.ctx.sessions() as session, session.begin():
        peer = Inspector(
            cert_no="130602099001",
            name="赵副局",
            region_code=JINGXIU,
            role=Role.COUNTY_ADMIN.value,
            status=DutyStatus.ON_DUTY.value,
        )
        session.add(peer)
    return peer


async def test_county_admin_cannot_invite_a_peer_admin_and_take_over_his_account(
    bot: BotHarness,
) -> None:
    [county_admin] = await bot.staff(Role.COUNTY_ADMIN, JINGXIU)
    peer = await _peer_admin(bot)
    async with bot.running():
        admin = await bot.bind(3101, county_admin.cert_no)
        peer_phone = await bot.bind(3102, peer.cert_no)
        await bot.send(admin, f"/invite {peer.cert_no}")

    assert bot.fake.last_text(3101) == NOT_ALLOWED
    invites = await bot.all(select(Invite).where(Invite.cert_no == peer.cert_no))
    assert len(invites) == 1  # only the code he bound with, made by the operator
    accounts = await bot.all(select(TelegramAccount).where(TelegramAccount.cert_no == peer.cert_no))
    assert [a.user_id for a in accounts] == [peer_phone.id]  # still bound to his own phone


async def test_county_admin_cannot_invite_himself_again_or_a_city_admin(bot: BotHarness) -> None:
    [county_admin] = await bot.staff(Role.COUNTY_ADMIN, JINGXIU)
    [city_admin, *_] = await bot.staff(Role.ADMIN, CITY)
    async with bot.running():
        admin = await bot.bind(3103, county_admin.cert_no)
        await bot.send(admin, f"/invite {county_admin.cert_no}")
        await bot.send(admin, f"/invite {city_admin.cert_no}")

    assert bot.fake.texts(3103)[-2:] == [NOT_ALLOWED, NOT_ALLOWED]
    assert [i.cert_no for i in await bot.all(select(Invite))] == [county_admin.cert_no]


async def test_county_admin_invites_a_team_lead_of_his_county(bot: BotHarness) -> None:
    [county_admin] = await bot.staff(Role.COUNTY_ADMIN, JINGXIU)
    [lead, *_] = await bot.staff(Role.LEAD, JINGXIU)
    [other_lead, *_] = await bot.staff(Role.LEAD, LIANCHI)
    async with bot.running():
        admin = await bot.bind(3104, county_admin.cert_no)
        await bot.send(admin, f"/invite {other_lead.cert_no}")
        refused = bot.fake.last_text(3104)
        await bot.send(admin, f"/invite {lead.cert_no}")

    assert refused == NOT_ALLOWED
    assert (bot.fake.last_text(3104) or "").startswith(f"已为 {lead.name}（{lead.cert_no}）生成")
    invited = [i.cert_no for i in await bot.all(select(Invite).order_by(Invite.id))]
    assert invited == [county_admin.cert_no, lead.cert_no]


async def test_city_admin_may_invite_a_county_admin(bot: BotHarness) -> None:
    [city_admin, *_] = await bot.staff(Role.ADMIN, CITY)
    [county_admin] = await bot.staff(Role.COUNTY_ADMIN, LIANCHI)
    async with bot.running():
        admin = await bot.bind(3105, city_admin.cert_no)
        await bot.send(admin, f"/invite {county_admin.cert_no}")

    assert (bot.fake.last_text(3105) or "").startswith(f"已为 {county_admin.name}")
    invited = [i.cert_no for i in await bot.all(select(Invite).order_by(Invite.id))]
    assert invited == [city_admin.cert_no, county_admin.cert_no]
