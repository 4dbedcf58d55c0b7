"""One whole conversation, in chat only: /start CODE → /draw → the pushed assignment → 申请回避 →
the replacement. Set E2E_TRANSCRIPT=path to write what the fake Bot API received."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from spotcheck.roles import Role
from storage.draw_models import Assignment, AssignmentMember
from tests.e2e.conftest import SQLITE_ONLY, BotHarness, walk_draw
from tests.e2e.fake_telegram import TgUser

pytestmark = SQLITE_ONLY

JINGXIU, CITY = "130602", "130600"


async def test_conversation_from_invite_to_replacement(bot: BotHarness) -> None:
    [admin] = (await bot.staff(Role.ADMIN, CITY))[:1]
    [county_admin] = await bot.staff(Role.COUNTY_ADMIN, JINGXIU)
    staff = await bot.staff(Role.INSPECTOR, JINGXIU) + await bot.staff(Role.LEAD, JINGXIU)
    async with bot.running():
        boss = await bot.bind(8001, admin.cert_no)
        county = await bot.bind(8002, county_admin.cert_no)
        # the county admin invites his people in chat; each binds with the code he was given
        team: dict[str, TgUser] = {}
        for i, person in enumerate(staff):
            await bot.send(county, f"/invite {person.cert_no}")
            code = (bot.fake.last_text(county.id) or "").split("：")[1].split("\n")[0]
            team[person.cert_no] = bot.user(8100 + i, person.name)
            await bot.send(team[person.cert_no], f"/start {code}")
        preview = await walk_draw(bot, boss, county="竞秀区", cls="特殊")
        await bot.press(boss, "确认抽取", preview)
        await bot.settle()
        pushed_at = len(bot.fake.calls)
        # an inspector who does not lead the team steps back
        members = await bot.all(select(AssignmentMember).order_by(AssignmentMember.id))
        cert, assignment_id = next(
            (m.person_key, m.assignment_id) for m in members if not m.is_lead
        )
        user = team[cert]
        before = {m.person_key for m in members if m.assignment_id == assignment_id}
        # he finds it in /tasks and opens it from its link: the same card as the push
        await bot.send(user, "/tasks")
        await bot.send(user, f"/task_{assignment_id}")
        push, card = [
            m
            for m in bot.fake.sent_to(user.id)
            if (f"1:rc:{assignment_id}") in [d for _, d in bot.fake.buttons(m)]
        ]
        assert card["text"] == push["text"]
        await bot.press(user, "申请回避", card)
        await bot.send(user, "本人配偶在该企业任职")
        await bot.settle()

    [assignment] = await bot.all(select(Assignment).where(Assignment.id == assignment_id))
    target = await bot.target(assignment.credit_code)
    after = await bot.all(
        select(AssignmentMember).where(AssignmentMember.assignment_id == assignment_id)
    )
    [added] = [m.person_key for m in after if m.person_key not in before]
    lines = bot.transcript()
    text = "\n".join(lines)
    if path := os.environ.get("E2E_TRANSCRIPT"):
        Path(path).write_text(text + "\n", encoding="utf-8")
    # the story, in order
    milestones = [
        f"{county_admin.name}(8002) ⇒ '/invite {staff[0].cert_no}'",
        'setMyCommands scope={"chat_id": 8100, "type": "chat"}',
        f"{admin.name}(8001) ⇒ '/draw'",
        "[确认抽取]",
        "抽查记录已生成",
        f"sendMessage chat={user.id} '【检查任务】",
        f"{user.first_name}({user.id}) ⇒ '/tasks'",
        f"/task_{assignment_id}",
        f"{user.first_name}({user.id}) ⇒ '/task_{assignment_id}'",
        f"{user.first_name}({user.id}) ⇒ [申请回避]",
        f"sendMessage chat={user.id} '申请回避：{target.name}",
        f"sendMessage chat={user.id} '回避申请已登记：{target.name}",
    ]
    positions = [text.find(m) for m in milestones]
    assert all(p >= 0 for p in positions), list(zip(milestones, positions, strict=True))
    assert positions == sorted(positions)
    # then, in whatever order the chats come: the replacement's task and the notices
    for chat, head in (
        (team[added].id, "【检查任务（替换）】"),
        (county.id, f"【检查组变更】{target.name}"),
        (boss.id, f"【检查组变更】{target.name}"),
    ):
        assert text.find(f"sendMessage chat={chat} '{head}") > positions[-1], (chat, head)
    assert text.find("sendDocument chat=8001 draw-record-") > text.find("抽查记录已生成")
    # after the pushes, nobody outside the team, its lead and the admins heard of the change
    told = {c.chat_id for c in bot.fake.calls[pushed_at:] if c.method.startswith("send")}
    team_now = {team[m.person_key].id for m in after if m.person_key in team}
    assert told <= team_now | {user.id, boss.id, county.id}
