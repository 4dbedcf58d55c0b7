"""/draw in chat, end to end: the form's buttons, the preview, the draw, the record as a JSON
document, and the assignment pushes (to the team only)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from bot import callback_data
from spotcheck.record import verify_record
from spotcheck.roles import Role
from storage.bot_models import OutboxMessage
from storage.draft_models import FormDraft
from storage.draw_models import Assignment, AssignmentMember, DrawPlan, DrawRecord
from storage.models import Target
from tests.e2e.conftest import STALE, BotHarness, walk_draw

JINGXIU, LIANCHI, CITY = "130602", "130606", "130600"
STRATUM_LINE = re.compile(
    r"^竞秀区 (特殊|重点|一般) (?:[ABCD]级|正面清单（非现场）)：(\d+) 家，应抽 (\d+)$"
)


async def strip_coordinates_of_every_other_target(bot: BotHarness, region: str) -> set[str]:
    """Half the county's targets lose their coordinates: pushes for those have no map pin."""
    async with bot.ctx.sessions() as session, session.begin():
        codes = (
            await session.scalars(
                select(Target.credit_code)
                .where(Target.region_code == region)
                .order_by(Target.credit_code)
            )
        ).all()
        bare = set(codes[::2])
        await session.execute(
            update(Target).where(Target.credit_code.in_(bare)).values(latitude=None, longitude=None)
        )
    return bare


async def test_city_admin_draws_in_chat_and_the_team_gets_the_pushes(bot: BotHarness) -> None:
    [admin] = (await bot.staff(Role.ADMIN, CITY))[:1]
    county_staff = await bot.staff(Role.INSPECTOR, JINGXIU) + await bot.staff(Role.LEAD, JINGXIU)
    unbound = county_staff[0]
    [elsewhere, *_] = await bot.staff(Role.INSPECTOR, LIANCHI)
    bare = await strip_coordinates_of_every_other_target(bot, JINGXIU)

    async with bot.running():
        boss = await bot.bind(5001, admin.cert_no)
        team = {
            p.cert_no: await bot.bind(5100 + i, p.cert_no) for i, p in enumerate(county_staff[1:])
        }
        other = await bot.bind(5200, elsewhere.cert_no)
        silent = bot.user(5300, unbound.name)  # has Telegram, never bound
        preview = await walk_draw(bot, boss, county="竞秀区", cls="特殊")
        await bot.press(boss, "确认抽取", preview)
        await bot.settle()

    # the form asked all six questions, in order, then previewed the plan
    steps = [t.split("：")[0] for t in bot.fake.texts(5001)[1:7]]
    assert steps == [f"第 {n} 步" for n in range(1, 7)]
    lines = preview["text"].split("\n")
    quarter = lines[0].removeprefix("预览：").removesuffix(" 县级抽查计划")
    assert re.fullmatch(r"\d{4}Q[1-4]", quarter)
    strata = [STRATUM_LINE.match(line) for line in lines[1:-1]]
    assert strata and all(strata), lines
    assert {m.group(1) for m in strata if m} == {"特殊"}
    to_draw = sum(int(m.group(3)) for m in strata if m)
    assert lines[-1] == f"合计：本次现场检查 {to_draw} 家，非现场监管 0 家。"
    assert bot.fake.buttons(preview)[0][0] == "确认抽取"

    # the draw happened once, as previewed
    [record] = await bot.all(select(DrawRecord))
    [plan] = await bot.all(select(DrawPlan))
    assert (plan.quarter, plan.level, plan.region, plan.supervision_class) == (
        quarter,
        "county",
        JINGXIU,
        "special",
    )
    assignments = await bot.all(select(Assignment).where(Assignment.record_id == record.id))
    assert len(assignments) == to_draw > 0
    members = await bot.all(select(AssignmentMember))
    assert len(members) == 2 * to_draw
    texts = bot.said(5001)
    assert texts[-2] == (
        f"第 {record.id} 号抽查记录已生成：现场检查 {to_draw} 家，非现场监管 0 家，"
        f"执法人员 {2 * to_draw} 人次。"
    )
    assert texts[-1].startswith("种子 ")

    # the record arrives as a JSON document that verifies
    [document] = bot.fake.calls_to("sendDocument")
    assert document.ok and document.chat_id == 5001
    assert document.params["caption"] == f"#{record.id}"
    upload = document.files["document"]
    assert upload.file_name == f"draw-record-{record.id}.json"
    published = json.loads(upload.data)
    assert published["id"] == record.id and published["kind"] == "draw"
    assert verify_record(published).ok
    assert published["seed"]["public_text"] is None

    # each bound team member got one push per task, a map pin after it when there are
    # coordinates; the unbound one and the other county's inspector got nothing
    by_cert: dict[str, list[Assignment]] = {}
    by_id = {a.id: a for a in assignments}
    for m in members:
        by_cert.setdefault(m.person_key, []).append(by_id[m.assignment_id])
    pushed = 0
    for cert, user in team.items():
        sent = bot.fake.sent_to(user.id)[1:]  # after the welcome
        pushes = [m for m in sent if m.get("text", "").startswith("【检查任务】")]
        mine = by_cert.get(cert, [])
        assert len(pushes) == len(mine)
        for message in pushes:
            text = message["text"]
            [task] = [a for a in mine if f"统一社会信用代码：{a.credit_code}\n" in text]
            target = await bot.target(task.credit_code)
            assert text.startswith(f"【检查任务】{quarter}\n检查对象：{target.name}\n")
            assert f"地址：{target.address}\n" in text
            assert f"完成期限：{task.due_date.isoformat()}\n" in text  # type: ignore[union-attr]
            assert "检查组：" in text and "（组长）" in text
            assert text.endswith("任务在检查前保密，请勿外传。")
            assert bot.fake.buttons(message) == [
                ("接受", f"1:ok:{task.id}"),
                ("申请回避", f"1:rc:{task.id}"),
            ]
            after = sent[sent.index(message) + 1] if sent.index(message) + 1 < len(sent) else {}
            if task.credit_code in bare:
                assert "location" not in after
            else:
                assert after["location"] == {
                    "latitude": target.latitude,
                    "longitude": target.longitude,
                }
        pushed += len(pushes)
    assert pushed > 0
    assert bot.fake.sent_to(silent.id) == []
    assert bot.fake.texts(other.id) == [
        f"{elsewhere.name}，您好！已绑定为执法人员。发送 /help 查看可用命令。"
    ]
    # the city admin gets the record, not the pushes
    assert not any(t.startswith("【检查任务】") for t in texts)
    # every outbox row went out exactly once
    rows = await bot.all(select(OutboxMessage))
    assert {r.state for r in rows} == {"sent"}
    messages = Counter(
        (r.chat_id, r.payload["text"]) for r in rows if r.payload["kind"] == "message"
    )
    assert all(bot.sent_ok()[key] == 1 for key in messages)
    pins = Counter(r.chat_id for r in rows if r.payload["kind"] == "location")
    assert Counter(c.chat_id for c in bot.fake.calls_to("sendLocation") if c.ok) == pins
    assert sum(pins.values()) == sum(
        1 for user in team.values() for m in bot.fake.sent_to(user.id) if "location" in m
    )


async def test_typed_public_seed_is_used(bot: BotHarness) -> None:
    [admin] = (await bot.staff(Role.ADMIN, CITY))[:1]
    seed = "2024年第80期双色球开奖号码 03 09 14 22 27 31 + 07"
    async with bot.running():
        boss = await bot.bind(5002, admin.cert_no)
        preview = await walk_draw(bot, boss, county="莲池区", cls="特殊", seed=seed)
        await bot.press(boss, "确认抽取", preview)
        await bot.settle()

    [record] = await bot.all(select(DrawRecord))
    body = json.loads(record.body)
    assert body["seed"]["public_text"] == seed
    assert body["seed"]["entropy"] is None
    assert bot.said(5002)[-1] == f"种子 {body['seed']['value']}；公开文本“{seed}”"
    [document] = bot.fake.calls_to("sendDocument")
    assert verify_record(json.loads(document.files["document"].data)).ok


async def test_county_admin_draws_his_own_county_only(bot: BotHarness) -> None:
    [county_admin] = await bot.staff(Role.COUNTY_ADMIN, JINGXIU)
    async with bot.running():
        admin = await bot.bind(5003, county_admin.cert_no)
        await bot.send(admin, "/draw")
        await bot.press(admin, bot.fake.buttons(bot.fake.last_message(5003))[0][0])  # quarter
        asked = bot.fake.last_message(5003)
        assert asked is not None and asked["text"] == "第 4 步：选择监管类别"
        [form] = await bot.all(select(FormDraft))
        before = (form.version, dict(form.data))
        forged = [
            callback_data.form_step("draw", form.id, form.version, "region", LIANCHI),
            callback_data.form_step("draw", form.id, form.version, "level", "city"),
            callback_data.form_step("draw", form.id, form.version + 1, "class", "special"),
            callback_data.form_step("draw", form.id, form.version, "quarter", "1"),
            callback_data.form_step("draw", form.id, form.version, "preview", "confirm"),
        ]
        answers = []
        for data in forged:
            answers.append(bot.fake.callback_answer(await bot.forge(admin, data)))
        [after] = await bot.all(select(FormDraft))
        assert (after.version, dict(after.data)) == before
        # then the form goes on from where it was, for his county
        await bot.press(admin, "特殊", asked)
        await bot.press(admin, "不定向")
        await bot.press(admin, "服务器随机")
        preview = bot.fake.last_message(5003)
        assert preview is not None
        await bot.press(admin, "确认抽取", preview)
        await bot.settle()

    for answer in answers:
        assert answer is not None
        assert (answer.get("text"), answer.get("show_alert")) == (STALE, True)
    assert preview["text"].split("\n")[1].startswith("竞秀区 特殊 ")
    [plan] = await bot.all(select(DrawPlan))
    assert (plan.level, plan.region) == ("county", JINGXIU)
    [record] = await bot.all(select(DrawRecord))
    assert json.loads(record.body)["parameters"]["region"] == JINGXIU
    codes = [a.credit_code for a in await bot.all(select(Assignment))]
    regions = {(await bot.target(c)).region_code for c in codes}
    assert regions == {JINGXIU}


async def test_inspector_cannot_draw(bot: BotHarness) -> None:
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    async with bot.running():
        user = await bot.bind(5004, inspector.cert_no)
        await bot.send(user, "/draw")
        await bot.forge(user, callback_data.form_step("draw", 1, 1, "quarter", "0"))

    assert bot.fake.texts(5004)[1:] == ["只有管理员可以发起抽取。"]
    assert await bot.all(select(FormDraft)) == []
    assert await bot.scalar(select(func.count()).select_from(DrawRecord)) == 0


async def test_two_admins_confirming_the_same_plan_draw_once(bot: BotHarness) -> None:
    first, second = (await bot.staff(Role.ADMIN, CITY))[:2]
    async with bot.running():
        one = await bot.bind(5005, first.cert_no)
        two = await bot.bind(5006, second.cert_no)
        preview_one = await walk_draw(bot, one, county="竞秀区", cls="重点")
        preview_two = await walk_draw(bot, two, county="竞秀区", cls="重点")
        assert preview_one["text"] == preview_two["text"]
        data_one = dict(bot.fake.buttons(preview_one))["确认抽取"]
        data_two = dict(bot.fake.buttons(preview_two))["确认抽取"]
        bot.fake.press(one, preview_one, str(data_one))
        bot.fake.press(two, preview_two, str(data_two))
        await bot.fake.until_idle()
        await bot.settle()

    [record] = await bot.all(select(DrawRecord))
    assert len(await bot.all(select(DrawPlan))) == 1
    # the two confirmations are handled at once (two chats): either may be first
    drew = [c for c in (5005, 5006) if any("抽查记录已生成" in t for t in bot.fake.texts(c))]
    [winner] = drew
    [loser] = {5005, 5006} - {winner}
    assert bot.said(winner)[-2].startswith(f"第 {record.id} 号抽查记录已生成：")
    assert bot.fake.last_text(loser) == (
        f"该计划本季度已抽取过（第 {record.id} 号记录），未重复抽取。如确需重抽，须写明原因，由管理员在命令行修订该记录。"
    )
    documents = Counter(c.chat_id for c in bot.fake.calls_to("sendDocument"))
    assert documents == {winner: 1}


async def test_the_form_offers_the_quarter_of_the_bots_local_day(bot: BotHarness) -> None:
    """/draw reads the bot's one clock in the configured zone: 16:30 UTC on 31 March is already
    1 April in Shanghai, so the second quarter comes first."""
    [county_admin] = await bot.staff(Role.COUNTY_ADMIN, JINGXIU)
    bot.app.bot_data.schedule.clock = lambda: datetime(2024, 3, 31, 16, 30, tzinfo=UTC)
    async with bot.running():
        admin = await bot.bind(5004, county_admin.cert_no)
        await bot.send(admin, "/draw")
        asked = bot.fake.last_message(5004)

    assert asked is not None
    assert [label for label, _ in bot.fake.buttons(asked)] == ["2024Q2", "2024Q3"]


async def test_a_quarter_that_ended_while_the_form_was_open_is_not_drawn_in_chat(
    bot: BotHarness,
) -> None:
    """The form began on 31 December and offered 2024Q4; 确认抽取 comes on 2 January: the
    quarter has ended, and an ended quarter is drawn only on the command line, with a reason."""
    [county_admin] = await bot.staff(Role.COUNTY_ADMIN, JINGXIU)
    schedule = bot.app.bot_data.schedule
    schedule.clock = lambda: datetime(2024, 12, 31, 2, 0, tzinfo=UTC)
    async with bot.running():
        admin = await bot.bind(5005, county_admin.cert_no)
        preview = await walk_draw(bot, admin, county=None, cls="特殊")
        assert preview["text"].startswith("预览：2024Q4 ")
        schedule.clock = lambda: datetime(2025, 1, 2, 2, 0, tzinfo=UTC)
        await bot.press(admin, "确认抽取", preview)

    assert bot.fake.texts(5005)[-1] == (
        "2024Q4 已经结束，未抽取。补抽过期季度须写明原因，由管理员在命令行抽取（原因记入抽查记录）。"
    )
    assert await bot.all(select(DrawRecord)) == []
