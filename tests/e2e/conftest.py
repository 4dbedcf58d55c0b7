"""Bot tests: the real Application from bot.wiring, run against the fake Bot API
(tests/e2e/fake_telegram.py), on a migrated database holding the demo directory.

Each test gets a fresh database (SQLite always, PostgreSQL too when TEST_DATABASE_URL is set and
the test does not pin the engine) and its own FakeTelegram. Only time is injected: the outbox
sender accepts a clock and a sleep, so 429 waits run on a virtual clock instead of real seconds.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.bot_data import App, Background
from bot.context import AppContext
from bot.services import demo, draws, identity
from bot.services.draws import DrawRequest
from bot.services.outbox import OutboxSender
from bot.wiring import build_application
from spotcheck.classes import SupervisionClass
from spotcheck.deadlines import Quarter
from spotcheck.quota import Level
from spotcheck.roles import Role
from storage.bot_models import OutboxMessage
from storage.models import Inspector, Target
from tests.conftest import make_config
from tests.e2e.fake_telegram import TOKEN, FakeRequest, FakeTelegram, TgUser, run_application

JSON = dict[str, Any]
QUIET_MOMENT = datetime(2024, 2, 4, 23, 0, tzinfo=UTC)
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# What the zh catalogue says (bot/texts/zh.py), spelled out so a changed text fails a test.
STRANGER_REFUSAL = (
    "您好！本机器人仅供生态环境执法人员使用。"
    "如您是执法人员，请向管理员索取邀请码，然后发送 /start 邀请码。"
)
INSPECTOR_MENU = [
    ("tasks", "我的检查任务"),
    ("report", "填写现场检查结果"),
    ("resume", "继续填写未完成的表单"),
    ("followups", "未完结的后续处理（办结）"),
    ("ask", "问政策：/ask 问题"),
    ("deadlines", "近期报送期限"),
    ("help", "帮助"),
    ("cancel", "取消当前操作"),
]
LEAD_MENU = [
    ("tasks", "我的检查任务"),
    ("report", "填写现场检查结果"),
    ("resume", "继续填写未完成的表单"),
    ("followups", "未完结的后续处理（办结）"),
    ("ask", "问政策：/ask 问题"),
    ("deadlines", "近期报送期限"),
    ("digest", "进度摘要"),
    ("help", "帮助"),
    ("cancel", "取消当前操作"),
]
ADMIN_MENU = [
    ("tasks", "我的检查任务"),
    ("draw", "发起双随机抽取"),
    ("invite", "生成执法人员邀请码"),
    ("import", "导入名录库（发送 .xlsx）"),
    ("template", "空白导入模板：/template 类别"),
    ("ask", "问政策：/ask 问题"),
    ("deadlines", "近期报送期限"),
    ("digest", "进度摘要"),
    ("policies", "规定库"),
    ("export", "导出统计表：/export [季度] [区县]"),
    ("help", "帮助"),
    ("cancel", "取消当前操作"),
]
COUNTY_ADMIN_MENU = [c for c in ADMIN_MENU if c[0] != "policies"]
STRANGER_MENU = [("start", "绑定：/start 邀请码"), ("help", "帮助")]
STALE = "这个按钮已过期，请重新发起。"
APOLOGY = "处理时出错了，已记录并通知管理员。您输入的内容没有丢失，请稍后重试。"
NOT_YOURS = "该任务不属于您，或已变更。操作未执行。"


class VirtualClock:
    """Time for the outbox sender and the fake's rate limiter: sleeping advances it at once."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start
        self.slept = 0.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.t += seconds
            self.slept += seconds
        await asyncio.sleep(0)


@dataclass
class BotHarness:
    """One bot under test: its context, the fake Telegram, the current Application, and a log
    of what the users did (for transcripts)."""

    ctx: AppContext
    fake: FakeTelegram
    clock: VirtualClock | None = None
    app: App = field(init=False)
    actions: list[tuple[int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.app = self.new_app()

    # ------------------------------------------------------------------ the application

    def new_app(self) -> App:
        """A fresh Application on the same database and fake (a restart)."""
        app = build_application(self.ctx, FakeRequest(self.fake), FakeRequest(self.fake))
        # The schedule reads a fixed, quiet moment unless a test sets another: Monday
        # 2024-02-05 07:00 in Shanghai has no reminder due and no digest whose time has come,
        # so what a start sends on its own never depends on the day the tests run.
        app.bot_data.schedule.clock = lambda: QUIET_MOMENT
        if self.clock is not None:
            sender = app.bot_data.outbox
            sender.clock, sender.sleep = self.clock.now, self.clock.sleep
        return app

    @property
    def background(self) -> Background:
        """The running Application's background tasks (the start-up runs among them)."""
        found = self.app.bot_data.background
        assert found is not None, "the bot is not running"
        return found

    @property
    def sender(self) -> OutboxSender:
        return self.app.bot_data.outbox

    @asynccontextmanager
    async def running(self) -> AsyncIterator[BotHarness]:
        async with run_application(self.app, self.fake):
            yield self
            await self.fake.until_idle()
        self.app = self.new_app()  # an Application is not started twice: the next run is new
        apologies = [
            c.chat_id for c in self.fake.calls_to("sendMessage") if c.params["text"] == APOLOGY
        ]
        assert not apologies, f"a handler failed (the error handler apologised to {apologies})"

    # ------------------------------------------------------------------ users act

    def user(self, user_id: int, first_name: str = "王伟") -> TgUser:
        return self.fake.user(user_id, first_name)

    def _log(self, text: str) -> None:
        self.actions.append((len(self.fake.calls), text))

    async def send(self, user: TgUser, text: str) -> JSON:
        self._log(f"{user.first_name}({user.id}) ⇒ {text!r}")
        update = self.fake.send_text(user, text)
        await self.fake.until_idle()
        return update

    async def press(self, user: TgUser, label: str, message: JSON | None = None) -> JSON:
        """Press the button labelled ``label`` on ``message`` (default: the last one)."""
        message = message or self.fake.last_message(user.id)
        assert message is not None, f"no message in chat {user.id}"
        data = [d for t, d in self.fake.buttons(message) if t == label]
        assert data, f"no button {label!r} on {message.get('text')!r}: {self.fake.buttons(message)}"
        self._log(f"{user.first_name}({user.id}) ⇒ [{label}] ({data[0]})")
        update = self.fake.press(user, message, str(data[0]))
        await self.fake.until_idle()
        return update

    async def forge(self, user: TgUser, data: str) -> JSON:
        """A tampered client sends callback data of its choosing, on the chat's last message."""
        message = self.fake.last_message(user.id) or self.fake.sent_to(user.id)
        self._log(f"{user.first_name}({user.id}) ⇒ forged callback {data!r}")
        update = self.fake.press(user, message or 1, data, forge=True)
        await self.fake.until_idle()
        return update

    async def bind(self, user_id: int, cert_no: str) -> TgUser:
        """The inspector with this 执法证号 gets a code (as `shuangsuiji invite` makes it) and
        sends /start CODE from Telegram account ``user_id``."""
        name = await self.name_of(cert_no)
        user = self.user(user_id, name)
        code, _ = await identity.create_invite(self.ctx, cert_no, "cli")
        await self.send(user, f"/start {code}")
        assert self.fake.last_text(user_id) is not None
        assert self.fake.last_text(user_id).startswith(f"{name}，您好！已绑定为")  # type: ignore[union-attr]
        return user

    # ------------------------------------------------------------------ the outbox

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait until the outbox has nothing due and the fake is idle."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            due = await self.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.state.in_(("pending", "sending")))
            )
            if due == 0:
                await self.fake.until_idle()
                return
            if loop.time() > deadline:
                raise TimeoutError(f"{due} outbox rows still pending after {timeout}s")
            self.sender.wake()
            await asyncio.sleep(0.01)

    async def draw_county(self, region: str, cls: SupervisionClass, actor: str = "cli") -> int:
        """A county draw through the draw service (as `shuangsuiji draw` makes it): the record,
        its assignments and the pushes' outbox rows; the sender is woken if it runs."""
        quarter = Quarter.containing(datetime.now(self.ctx.config.timezone).date())
        outcome = await draws.execute(
            self.ctx,
            DrawRequest(str(quarter), Level.COUNTY, actor, region=region, supervision_class=cls),
        )
        self.sender.wake()
        return outcome.record_id

    # ------------------------------------------------------------------ the database

    async def all(self, query: Any) -> list[Any]:
        async with self.ctx.sessions() as session:
            return list((await session.scalars(query)).all())

    async def scalar(self, query: Any) -> Any:
        async with self.ctx.sessions() as session:
            return await session.scalar(query)

    async def staff(self, role: Role, region: str) -> list[Inspector]:
        return await self.all(
            select(Inspector)
            .where(Inspector.role == role.value, Inspector.region_code == region)
            .order_by(Inspector.cert_no)
        )

    async def name_of(self, cert_no: str) -> str:
        name: str = await self.scalar(select(Inspector.name).where(Inspector.cert_no == cert_no))
        return name

    async def target(self, credit_code: str) -> Target:
        found: list[Target] = await self.all(
            select(Target).where(Target.credit_code == credit_code)
        )
        [target] = found
        return target

    # ------------------------------------------------------------------ what the fake saw

    def said(self, chat_id: int) -> list[str]:
        """The texts of the bot's text messages in that chat (no captions, no map pins)."""
        return [m["text"] for m in self.fake.sent_to(chat_id) if "text" in m]

    def sent_ok(self, method: str = "sendMessage") -> Counter[tuple[Any, str]]:
        """How often each (chat, text) was accepted by Telegram."""
        return Counter(
            (c.chat_id, str(c.params.get("text", ""))) for c in self.fake.calls_to(method) if c.ok
        )

    def transcript(self, start: int = 0) -> list[str]:
        """The users' actions interleaved with the API calls the fake received (abbreviated)."""
        lines: list[str] = []
        actions = [a for a in self.actions if a[0] >= start]
        for index, call in enumerate(self.fake.calls):
            while actions and actions[0][0] <= index:
                lines.append(actions.pop(0)[1])
            if index < start or call.method == "getUpdates":
                continue
            lines.append("   " + describe(call))
        lines += [a[1] for a in actions]
        return lines


def describe(call: Any) -> str:
    p = call.params
    status = "" if call.ok else f"  → {call.status} {call.response.get('description', '')}"
    if call.method == "sendMessage":
        text = str(p.get("text", "")).replace("\n", " ⏎ ")
        text = text if len(text) <= 90 else text[:90] + "…"
        buttons = [
            b["text"]
            for row in (p.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
        ]
        more = f" {buttons}" if buttons else ""
        return f"sendMessage chat={call.chat_id} {text!r}{more}{status}"
    if call.method == "sendLocation":
        return f"sendLocation chat={call.chat_id} ({p['latitude']}, {p['longitude']}){status}"
    if call.method == "sendDocument":
        document = p.get("document")
        name = getattr(document, "file_name", document)
        return f"sendDocument chat={call.chat_id} {name} caption={p.get('caption')!r}{status}"
    if call.method == "setMyCommands":
        scope = p.get("scope") or {"type": "default"}
        names = [c["command"] for c in p["commands"]]
        return f"setMyCommands scope={json.dumps(scope, sort_keys=True)} {names}{status}"
    if call.method == "answerCallbackQuery":
        extra = f" {p.get('text')!r}" if p.get("text") else ""
        alert = " (alert)" if p.get("show_alert") else ""
        return f"answerCallbackQuery{extra}{alert}{status}"
    return f"{call.method}{status}"


async def walk_draw(
    bot: BotHarness,
    admin: TgUser,
    *,
    county: str | None = "竞秀区",
    cls: str = "特殊",
    seed: str | None = None,
) -> dict[str, Any]:
    """/draw and answer each step by its button (a typed seed when given); returns the preview
    message. Steps a county admin does not get (level, region) are skipped by the bot."""
    await bot.send(admin, "/draw")
    asked = []
    while True:
        message = bot.fake.last_message(admin.id)
        assert message is not None
        text = message["text"]
        if text.startswith("预览："):
            return message
        asked.append(text.split("：")[0])
        if text.startswith("第 1 步"):
            await bot.press(admin, bot.fake.buttons(message)[0][0])
        elif text.startswith("第 2 步"):
            await bot.press(admin, "县级")
        elif text.startswith("第 3 步"):
            assert county is not None
            await bot.press(admin, county)
        elif text.startswith("第 4 步"):
            await bot.press(admin, cls)
        elif text.startswith("第 5 步"):
            await bot.press(admin, "不定向")
        elif text.startswith("第 6 步"):
            if seed is None:
                await bot.press(admin, "服务器随机")
            else:
                await bot.send(admin, seed)
        else:
            raise AssertionError(f"unexpected step {text!r}; asked so far {asked}")


OpenBot = Callable[..., Awaitable[BotHarness]]


@pytest.fixture
async def open_bot(database_url: str) -> AsyncIterator[OpenBot]:
    """``await open_bot(virtual_time=False, telegram={...}, invites={...})``: a harness on this
    test's database with the demo directory loaded; telegram settings default to unpaced
    sending (pacing has its own tests)."""
    opened: list[AppContext] = []

    async def make(virtual_time: bool = False, **sections: dict[str, Any]) -> BotHarness:
        telegram = {"token": TOKEN, "seconds_per_chat": 0.0, "messages_per_second": 1000}
        telegram.update(sections.pop("telegram", {}))
        ctx = await AppContext.open(
            make_config(database_url, telegram=telegram, **sections), migrate=False
        )
        opened.append(ctx)
        await demo.load_demo_directory(ctx)
        return BotHarness(ctx, FakeTelegram(), VirtualClock() if virtual_time else None)

    yield make
    for ctx in opened:
        await ctx.close()


@pytest.fixture
async def bot(open_bot: OpenBot) -> BotHarness:
    return await open_bot()
