"""What a draw queues for the inspectors: the task, and a withdrawal when it is redrawn."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import AppContext
from bot.services import demo, identity
from bot.services.draws import DrawRequest, execute
from spotcheck.classes import SupervisionClass
from spotcheck.quota import Level
from storage.bot_models import OutboxMessage, TelegramAccount
from storage.models import Inspector


async def _bind_county(ctx: AppContext, county: str) -> dict[int, str]:
    """Bind every drawable inspector of the county; chat id → 执法证号."""
    async with ctx.sessions() as session:
        certs = list(
            await session.scalars(
                select(Inspector.cert_no).where(
                    Inspector.region_code == county, Inspector.role.in_(["inspector", "lead"])
                )
            )
        )
    chats = {}
    for n, cert in enumerate(certs, start=7000):
        code, _ = await identity.create_invite(ctx, cert, "test")
        await identity.redeem(ctx, code, n, n, "zh")
        chats[n] = cert
    return chats


async def _texts(ctx: AppContext) -> list[tuple[int, str]]:
    async with ctx.sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [
            (r.chat_id, r.payload.get("text", "")) for r in rows if r.payload["kind"] == "message"
        ]


async def test_a_draw_pushes_each_task_to_its_bound_team_only(ctx: AppContext) -> None:
    await demo.load_demo_directory(ctx)
    chats = await _bind_county(ctx, "130602")
    outcome = await execute(
        ctx,
        DrawRequest(
            "2024Q1",
            Level.COUNTY,
            "t",
            region="130602",
            supervision_class=SupervisionClass.KEY,
            seed_text="s",
        ),
    )
    pushed = await _texts(ctx)
    expected = sum(len(t["inspectors"]) for t in outcome.tasks if t["kind"] == "onsite")
    assert len(pushed) == expected > 0
    assert {chat for chat, _ in pushed} <= set(chats)
    assert all(text.startswith("【检查任务】2024Q1") for _, text in pushed)


async def test_a_redraw_withdraws_the_old_tasks_before_pushing_the_new(ctx: AppContext) -> None:
    await demo.load_demo_directory(ctx)
    await _bind_county(ctx, "130602")
    request = DrawRequest(
        "2024Q1",
        Level.COUNTY,
        "t",
        region="130602",
        supervision_class=SupervisionClass.KEY,
        seed_text="s",
    )
    first = await execute(ctx, request)
    before = len(await _texts(ctx))
    await execute(
        ctx,
        DrawRequest(
            **{
                **request.__dict__,
                "seed_text": "t",
                "amends": first.record_id,
                "reason": "名录更新",
            }
        ),
    )
    after = (await _texts(ctx))[before:]
    withdrawn = [text for _, text in after if text.startswith("【任务撤回】")]
    assert len(withdrawn) == before  # every old push is withdrawn, once
    assert after[: len(withdrawn)] == [(c, t) for c, t in after if t.startswith("【任务撤回】")]


async def test_a_push_names_the_whole_team_when_only_one_member_is_bound(ctx: AppContext) -> None:
    await demo.load_demo_directory(ctx)
    chats = await _bind_county(ctx, "130602")
    bound_chat, bound = next(iter(chats.items()))
    async with ctx.sessions() as session, session.begin():  # everyone else unbinds
        for account in await session.scalars(
            select(TelegramAccount).where(TelegramAccount.cert_no != bound)
        ):
            await session.delete(account)
        names = dict((await session.execute(select(Inspector.cert_no, Inspector.name))).all())
    outcome = await execute(
        ctx,
        DrawRequest(
            "2024Q1",
            Level.COUNTY,
            "t",
            region="130602",
            supervision_class=SupervisionClass.KEY,
            seed_text="s",
        ),
    )
    his = [t for t in outcome.tasks if bound in t["inspectors"]]
    pushed = await _texts(ctx)
    assert his and len(pushed) == len(his)
    assert {chat for chat, _ in pushed} == {bound_chat}
    for task, (_, text) in zip(his, pushed, strict=True):
        [team_line] = [line for line in text.splitlines() if line.startswith("检查组：")]
        for cert in task["inspectors"]:
            assert names[cert] in team_line
