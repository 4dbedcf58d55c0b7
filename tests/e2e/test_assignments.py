"""Pushed assignments in chat: 接受, 申请回避 → replacement, /tasks, forged and repeated updates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.services import draws, identity
from spotcheck.classes import SupervisionClass
from spotcheck.record import verify_record
from spotcheck.roles import Role
from storage.bot_models import HandledUpdate, TelegramAccount
from storage.draft_models import FormDraft
from storage.draw_models import Assignment, AssignmentMember, Conflict, DrawPlan, DrawRecord
from storage.models import AuditLog
from tests.e2e.conftest import NOT_YOURS, STALE, BotHarness
from tests.e2e.fake_telegram import TgUser

JINGXIU, CITY = "130602", "130600"


async def bind_county(bot: BotHarness, region: str = JINGXIU) -> dict[str, TgUser]:
    """Everyone of the county (four inspectors, the lead, the county admin), bound."""
    staff = [
        *await bot.staff(Role.INSPECTOR, region),
        *await bot.staff(Role.LEAD, region),
        *await bot.staff(Role.COUNTY_ADMIN, region),
    ]
    return {p.cert_no: await bot.bind(6000 + i, p.cert_no) for i, p in enumerate(staff)}


def pushes(bot: BotHarness, user: TgUser, head: str = "【检查任务】") -> list[dict[str, Any]]:
    return [m for m in bot.fake.sent_to(user.id) if m.get("text", "").startswith(head)]


async def members_of(bot: BotHarness, assignment_id: int) -> list[AssignmentMember]:
    return await bot.all(
        select(AssignmentMember)
        .where(AssignmentMember.assignment_id == assignment_id)
        .order_by(AssignmentMember.id)
    )


async def states(bot: BotHarness) -> list[tuple[int, str, str, bool]]:
    rows = await bot.all(select(AssignmentMember).order_by(AssignmentMember.id))
    return [(m.assignment_id, m.person_key, m.state, m.is_lead) for m in rows]


async def drawn_with_a_push(bot: BotHarness) -> tuple[str, TgUser, Any, int]:
    """A county drawn and pushed; the first person with a task, his first push and its id."""
    people = await bind_county(bot)
    await bot.draw_county(JINGXIU, SupervisionClass.SPECIAL)
    await bot.settle()
    cert, user = next((c, u) for c, u in people.items() if pushes(bot, u))
    push = pushes(bot, user)[0]
    return cert, user, push, int(str(bot.fake.buttons(push)[0][1]).split(":")[2])


async def test_accept_is_recorded_once(bot: BotHarness) -> None:
    async with bot.running():
        cert, user, push, assignment_id = await drawn_with_a_push(bot)
        [assignment] = await bot.all(select(Assignment).where(Assignment.id == assignment_id))
        target = await bot.target(assignment.credit_code)
        first = await bot.press(user, "接受", push)
        second = await bot.press(user, "接受", push)

    assert bot.fake.callback_answer(first)["text"] == f"已接受：{target.name}。"  # type: ignore[index]
    assert bot.fake.callback_answer(second)["text"] == f"您已接受过该任务：{target.name}。"  # type: ignore[index]
    assert bot.said(user.id)[-2:] == [
        f"已接受：{target.name}。",
        f"您已接受过该任务：{target.name}。",
    ]
    [me] = [m for m in await members_of(bot, assignment_id) if m.person_key == cert]
    assert me.state == "accepted"
    others = [s for a, c, s, _ in await states(bot) if (a, c) != (assignment_id, cert)]
    assert set(others) == {"assigned"}
    accepts = await bot.all(select(AuditLog).where(AuditLog.action == "accept"))
    assert [(a.actor, a.entity_key, a.new["cert_no"]) for a in accepts] == [
        (f"tg:{user.id}/{cert}", str(assignment_id), cert)
    ]


async def test_tasks_lists_my_assignments_with_their_state(bot: BotHarness) -> None:
    async with bot.running():
        people = await bind_county(bot)
        await bot.draw_county(JINGXIU, SupervisionClass.SPECIAL)
        await bot.settle()
        cert, user = next((c, u) for c, u in people.items() if len(pushes(bot, u)) >= 2)
        await bot.press(user, "接受", pushes(bot, user)[0])
        await bot.send(user, "/tasks")
        idle_cert = next(c for c, u in people.items() if not pushes(bot, u))
        await bot.send(people[idle_cert], "/tasks")

    async with bot.ctx.sessions() as session:
        pairs = (
            await session.execute(
                select(Assignment, AssignmentMember)
                .join(AssignmentMember, AssignmentMember.assignment_id == Assignment.id)
                .where(AssignmentMember.person_key == cert)
                .order_by(Assignment.due_date, Assignment.id)
            )
        ).all()
    assert len(pairs) >= 2
    expected = ["我的检查任务："]
    for i, (a, m) in enumerate(pairs, start=1):
        name = (await bot.target(a.credit_code)).name
        lead = "（组长）" if m.is_lead else ""
        state = {"assigned": "待接受", "accepted": "已接受"}[m.state]
        expected.append(f"{i}. {a.quarter} {name}{lead} — 期限 {a.due_date}，{state} /task_{a.id}")
    expected.append("点击任务后的链接查看详情，并接受或申请回避。")
    listing = bot.fake.last_message(user.id)
    assert listing is not None and listing["text"] == "\n".join(expected)
    assert bot.fake.buttons(listing) == []  # a long list stays light: the links do the work
    assert bot.fake.last_text(people[idle_cert].id) == "您目前没有检查任务。"


def _task_links(text: str) -> list[int]:
    return [int(word.removeprefix("/task_")) for word in text.split() if word.startswith("/task_")]


async def test_a_task_from_the_list_shows_again_as_pushed_and_can_be_accepted(
    bot: BotHarness,
) -> None:
    async with bot.running():
        cert, user, push, assignment_id = await drawn_with_a_push(bot)
        await bot.send(user, "/tasks")
        links = _task_links(bot.fake.last_text(user.id) or "")
        await bot.send(user, f"/task_{assignment_id}")
        shown = [m for m in bot.fake.sent_to(user.id) if m.get("text") == push["text"]][-1]
        pin_after_card = bot.fake.sent_to(user.id)[-1]
        await bot.press(user, "接受", shown)
        await bot.send(user, f"/task_{assignment_id}")
        again = [m for m in bot.fake.sent_to(user.id) if m.get("text") == push["text"]][-1]

    assert assignment_id in links
    assert shown is not push and shown["text"] == push["text"]
    assert bot.fake.buttons(shown) == [
        ("接受", f"1:ok:{assignment_id}"),
        ("申请回避", f"1:rc:{assignment_id}"),
    ]
    [assignment] = await bot.all(select(Assignment).where(Assignment.id == assignment_id))
    target = await bot.target(assignment.credit_code)
    # the demo's targets all have coordinates: the map pin follows the card
    assert pin_after_card["location"] == {
        "latitude": target.latitude,
        "longitude": target.longitude,
    }
    [me] = [m for m in await members_of(bot, assignment_id) if m.person_key == cert]
    assert me.state == "accepted"
    # accepted: the card offers only 申请回避
    assert bot.fake.buttons(again) == [
        ("开始检查", f"1:is:{assignment_id}"),
        ("申请回避", f"1:rc:{assignment_id}"),
    ]


async def drawn_with_an_outsider(
    bot: BotHarness,
) -> tuple[list[tuple[int, str, str, bool]], str, TgUser, int]:
    """A county drawn and pushed; its first bound person, and a task of which he is not part."""
    people = await bind_county(bot)
    await bot.draw_county(JINGXIU, SupervisionClass.SPECIAL)
    await bot.settle()
    before = await states(bot)
    cert, user = next(iter(people.items()))
    mine = {a for a, c, _, _ in before if c == cert}
    theirs = next(a for a, _, _, _ in before if a not in mine)
    return before, cert, user, theirs


async def test_someone_elses_task_number_shows_nothing_and_is_logged(bot: BotHarness) -> None:
    async with bot.running():
        before, snoop_cert, snoop, theirs = await drawn_with_an_outsider(bot)
        said_before = len(bot.said(snoop.id))
        await bot.send(snoop, f"/task_{theirs}")
        await bot.send(snoop, "/task_999999")
        await bot.send(snoop, "/task_99999999999")  # beyond any id (int4 on PostgreSQL)
        after = await states(bot)

    assert bot.said(snoop.id)[said_before:] == [NOT_YOURS, NOT_YOURS, NOT_YOURS]
    assert after == before
    refused = await bot.all(
        select(AuditLog).where(AuditLog.action == "refused").order_by(AuditLog.id)
    )
    actor = f"tg:{snoop.id}/{snoop_cert}"
    assert [(r.actor, r.entity, r.entity_key, r.new["cert_no"]) for r in refused] == [
        (actor, "command", f"task:{theirs}", snoop_cert),
        (actor, "command", "task:999999", snoop_cert),
        (actor, "command", "task:99999999999", snoop_cert),
    ]


async def test_recusal_draws_a_replacement_who_is_notified(bot: BotHarness) -> None:
    [city_admin] = (await bot.staff(Role.ADMIN, CITY))[:1]
    [county_admin] = await bot.staff(Role.COUNTY_ADMIN, JINGXIU)
    reason = "与该企业法定代表人系近亲属"
    async with bot.running():
        people = await bind_county(bot)
        boss = await bot.bind(6100, city_admin.cert_no)
        first_record = await bot.draw_county(JINGXIU, SupervisionClass.SPECIAL)
        await bot.settle()
        # someone who is on a team without leading it asks to recuse himself from it
        for cert, user in people.items():
            chosen = None
            for push in pushes(bot, user):
                assignment_id = int(str(bot.fake.buttons(push)[1][1]).split(":")[2])
                lead = [m for m in await members_of(bot, assignment_id) if m.is_lead]
                if lead[0].person_key != cert:
                    chosen = push
                    break
            if chosen is not None:
                break
        assert chosen is not None
        [assignment] = await bot.all(select(Assignment).where(Assignment.id == assignment_id))
        target = await bot.target(assignment.credit_code)
        team_before = {m.person_key for m in await members_of(bot, assignment_id)}
        [lead_cert] = [m.person_key for m in await members_of(bot, assignment_id) if m.is_lead]
        await bot.press(user, "申请回避", chosen)
        asked = bot.fake.last_text(user.id)
        [form] = await bot.all(select(FormDraft))
        await bot.send(user, reason)
        await bot.settle()
        await bot.send(user, "/tasks")
        tasks_after = bot.fake.last_text(user.id) or ""

    assert asked == (
        f"申请回避：{target.name}。请在 30 分钟内直接回复回避原因（如亲属关系、曾任职等）；发送 /cancel 放弃。"
    )
    assert (form.kind, form.data) == ("recusal", {"assignment": assignment_id})
    assert await bot.all(select(FormDraft)) == []
    # the conflict is on file, the team changed, a replacement record amends the draw
    [conflict] = await bot.all(select(Conflict))
    assert (conflict.cert_no, conflict.credit_code, conflict.reason, conflict.source) == (
        cert,
        assignment.credit_code,
        reason,
        "recusal",
    )
    team = await members_of(bot, assignment_id)
    [added] = [m.person_key for m in team if m.person_key not in team_before]
    assert {(m.person_key, m.state) for m in team} >= {(cert, "replaced"), (added, "assigned")}
    assert added in people and added != cert
    added_name, my_name = await bot.name_of(added), await bot.name_of(cert)
    assert bot.said(user.id)[-2] == f"回避申请已登记：{target.name} 改由 {added_name} 参加检查。"
    records = await bot.all(select(DrawRecord).order_by(DrawRecord.id))
    assert [(r.kind, r.amends, r.reason) for r in records] == [
        ("draw", None, None),
        ("replacement", first_record, reason),
    ]
    # he asked and his account is bound to his 执法证号: both name him on the conflict and record
    assert conflict.created_by == records[1].created_by == f"tg:{user.id}/{cert}"
    [plan] = await bot.all(select(DrawPlan))
    assert plan.current_record_id == records[1].id
    # published whole, the lists it names spliced in, it verifies by itself
    replacement = await draws.load_record(bot.ctx, records[1].id)
    assert verify_record(replacement).ok
    [new_team] = [a for a in replacement["assignments"] if a["target"] == assignment.credit_code]
    assert cert not in new_team["inspectors"] and added in new_team["inspectors"]

    # the replacement gets the task, with its buttons; lead and admins see the change
    [pushed] = pushes(bot, people[added], "【检查任务（替换）】")
    assert f"检查对象：{target.name}\n" in pushed["text"]
    assert f"统一社会信用代码：{assignment.credit_code}\n" in pushed["text"]
    [team_line] = [x for x in pushed["text"].split("\n") if x.startswith("检查组：")]
    assert added_name in team_line and my_name not in team_line.split("：")[1].split("、")
    assert bot.fake.buttons(pushed) == [
        ("接受", f"1:ok:{assignment_id}"),
        ("申请回避", f"1:rc:{assignment_id}"),
    ]
    change = f"【检查组变更】{target.name}：{my_name} 申请回避（{reason}），由 {added_name} 替换。"
    told = {c for c, u in people.items() if change in bot.said(u.id)}
    assert told == {lead_cert, county_admin.cert_no}
    assert change in bot.said(boss.id)
    assert change not in bot.said(user.id)
    # the one who stepped back no longer sees the task
    assert target.name not in tasks_after


async def test_forged_callback_for_someone_elses_task_changes_nothing(bot: BotHarness) -> None:
    async with bot.running():
        before, forger_cert, forger, theirs = await drawn_with_an_outsider(bot)
        accept = await bot.forge(forger, f"1:ok:{theirs}")
        recuse = await bot.forge(forger, f"1:rc:{theirs}")
        missing = await bot.forge(forger, "1:ok:999999")
        garbage = [
            await bot.forge(forger, data)
            for data in ("hello", "1:xx:1", "1:ok:abc", "0:ok:1", "1:ok:99999999999")
        ]
        after = await states(bot)

    for update in (accept, recuse, missing):
        assert bot.fake.callback_answer(update) == {
            "callback_query_id": update["callback_query"]["id"],
            "text": NOT_YOURS,
            "show_alert": True,
        }
    for update in garbage:
        answer = bot.fake.callback_answer(update)
        assert answer is not None and (answer["text"], answer["show_alert"]) == (STALE, True)
    assert after == before
    assert await bot.all(select(FormDraft)) == []
    refused = await bot.all(
        select(AuditLog).where(AuditLog.action == "refused").order_by(AuditLog.id)
    )
    actor = f"tg:{forger.id}/{forger_cert}"
    assert [(r.actor, r.entity, r.entity_key) for r in refused] == [
        (actor, "callback", f"accept:{theirs}"),
        (actor, "callback", f"recuse:{theirs}"),
        (actor, "callback", "accept:999999"),
        (actor, "callback", "hello"),
        (actor, "callback", "1:xx:1"),
        (actor, "callback", "1:ok:abc"),
        (actor, "callback", "0:ok:1"),
        (actor, "callback", "1:ok:99999999999"),  # beyond int4: never ours
    ]
    assert {r.new["cert_no"] for r in refused} == {forger_cert}


async def test_duplicate_accept_update_is_handled_once(bot: BotHarness) -> None:
    async with bot.running():
        people = await bind_county(bot)
        await bot.draw_county(JINGXIU, SupervisionClass.SPECIAL)
        await bot.settle()
        user = next(u for u in people.values() if pushes(bot, u))
        push = pushes(bot, user)[0]
        said_before = len(bot.said(user.id))
        press = await bot.press(user, "接受", push)
        duplicate = bot.fake.duplicate_last_update()
        await bot.fake.until_idle()

    assert duplicate["update_id"] == press["update_id"]
    assert len(bot.said(user.id)) == said_before + 1
    assert bot.said(user.id)[-1].startswith("已接受：")
    answers = [
        c
        for c in bot.fake.calls_to("answerCallbackQuery")
        if c.params["callback_query_id"] == press["callback_query"]["id"]
    ]
    assert len(answers) == 1
    assert len(await bot.all(select(AuditLog).where(AuditLog.action == "accept"))) == 1
    handled = await bot.all(
        select(HandledUpdate).where(HandledUpdate.update_id == press["update_id"])
    )
    assert len(handled) == 1


async def test_duplicate_start_update_is_handled_once(bot: BotHarness) -> None:
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    code, _ = await identity.create_invite(bot.ctx, inspector.cert_no, "cli")
    user = bot.user(6200)
    async with bot.running():
        await bot.send(user, f"/start {code}")
        bot.fake.duplicate_last_update()
        await bot.fake.until_idle()

    assert bot.fake.texts(6200) == [
        f"{inspector.name}，您好！已绑定为执法人员。发送 /help 查看可用命令。"
    ]
    binds = await bot.all(select(AuditLog).where(AuditLog.action == "bind"))
    assert len(binds) == 1
    scoped = [c for c in bot.fake.calls_to("setMyCommands") if c.params.get("scope")]
    assert len(scoped) == 1


async def test_nothing_is_said_or_bound_in_a_group_chat(bot: BotHarness) -> None:
    """Assignments are confidential: /tasks, /start CODE and /draw in a group do nothing."""
    [inspector] = (await bot.staff(Role.INSPECTOR, "130602"))[:1]
    async with bot.running():
        user = await bot.bind(6100, inspector.cert_no)
    await bot.draw_county("130602", SupervisionClass.KEY)
    code, _ = await identity.create_invite(bot.ctx, inspector.cert_no, "test")
    group = {"id": -100777, "type": "supergroup", "title": "执法群"}
    async with bot.running():
        for text in ("/tasks", f"/start {code}", "/draw"):
            message = {
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": group,
                "from": user.to_dict(),
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
            }
            bot.fake.add_update({"message": message})
        await bot.fake.until_idle()
    assert [c for c in bot.fake.api_calls() if c.chat_id == -100777] == []
    [account] = await bot.all(
        select(TelegramAccount).where(TelegramAccount.cert_no == inspector.cert_no)
    )
    assert account.chat_id == 6100  # still bound to his private chat


async def test_in_a_group_only_policy_questions_of_bound_people_are_answered(
    bot: BotHarness,
) -> None:
    [inspector] = (await bot.staff(Role.INSPECTOR, "130602"))[:1]
    async with bot.running():
        user = await bot.bind(6101, inspector.cert_no)
    stranger = bot.user(6199, "路人")
    bot.fake.group(-100778)

    def in_group(sender: TgUser, text: str) -> None:
        bot.fake.send_text_in_group(sender, -100778, text)

    async with bot.running():
        in_group(stranger, "/ask 正面清单企业怎么查？")
        in_group(user, "/tasks")
        in_group(user, "/ask@shuangsuiji_test_bot 正面清单企业怎么查？")
        await bot.fake.until_idle()
    sent = [
        c.params.get("text", "") for c in bot.fake.calls_to("sendMessage") if c.chat_id == -100778
    ]
    # one answer — the bound inspector's question; /tasks and the stranger get nothing there
    assert len(sent) == 1 and "非现场" in sent[0] and sent[0].startswith("《")
