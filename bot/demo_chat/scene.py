"""The end of `shuangsuiji demo`: a short scripted chat with the real bot, offline.

The real Application (bot/wiring.py) with its handlers, outbox and services runs against the
in-process Bot API, on a scratch copy of the demo directory in a temporary SQLite database: the
draw it makes and the accounts it binds never reach the user's database (Telegram ids of the
script are made up; bound in a real database they would be real people's). No token, no
network. A city admin binds, draws 竞秀区's special-class targets, an inspector gets the push,
accepts it, lists his tasks, starts the inspection and checks in; the transcript reads as the
chats would.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from bot.bot_data import App
from bot.config import Config
from bot.context import AppContext
from bot.demo_chat.bot_api import OFFLINE_TOKEN, Call, OfflineBotApi, TgUser, run_application
from bot.services import demo, identity
from bot.texts import Texts
from bot.wiring import build_application
from scheduler.jobs import Schedule
from spotcheck.roles import Role
from spotcheck.states import OutboxState
from storage.bot_models import OutboxMessage

COUNTY, COUNTY_NAME, CLASS_LABEL = "130602", "竞秀区", "特殊"
ADMIN_ID, FIRST_INSPECTOR_ID = 9001, 9101
_SHOWN_LINES = 4  # a longer message shows its first lines, then …
_SHOWN_BUTTONS = 5
_SHOWN_METHODS = ("sendMessage", "sendDocument", "sendLocation")


@dataclasses.dataclass
class _Scene:
    server: OfflineBotApi
    texts: Texts
    names: dict[int, str] = dataclasses.field(default_factory=dict)
    lines: list[str] = dataclasses.field(default_factory=list)
    followed: int | None = None  # the one inspector whose chat is shown; the others are counted
    pushing: bool = True  # while the draw's pushes arrive: one task of his is enough
    seen: int = 0  # calls already written to the transcript

    async def say(self, user: TgUser, text: str) -> None:
        self.flush()
        self.lines.append(f"{self.names[user.id]}: {text}")
        self.server.send_text(user, text)
        await self.server.until_idle(timeout=30)

    async def locate(self, user: TgUser, latitude: float, longitude: float) -> None:
        """He sends his location (发送当前位置)."""
        self.flush()
        self.lines.append(f"{_short(self.names[user.id])} ⇒ 📍 {latitude:.4f}, {longitude:.4f}")
        self.server.send_location(user, latitude, longitude)
        await self.server.until_idle(timeout=30)

    async def press(self, user: TgUser, label: str) -> None:
        """Press ``label`` on the latest message of the chat that has it (the first, for a
        push: what he reads first)."""
        self.flush()
        sent = self.server.sent_to(user.id)
        order = sent if user.id == self.followed else list(reversed(sent))
        message, data = next((m, d) for m in order for t, d in self.server.buttons(m) if t == label)
        self.lines.append(f"{_short(self.names[user.id])} ⇒ [{label}]")
        self.server.press(user, message, str(data))
        await self.server.until_idle(timeout=30)

    def flush(self) -> None:
        """Write what the bot sent since the last action, as each chat shows it."""
        calls, self.seen = self.server.calls[self.seen :], len(self.server.calls)
        sent = [c for c in calls if c.ok and c.method in _SHOWN_METHODS]
        hidden, shown = 0, set()
        for call in sent:
            chat = int(str(call.chat_id))
            # Pushes: the followed inspector's first task and its pin; the rest are counted.
            if chat != ADMIN_ID and (chat != self.followed or call.method in shown):
                hidden += 1
                continue
            if chat != ADMIN_ID and self.pushing:
                shown.add(call.method)
            self.lines += self._shown(call)
        if hidden:
            self.lines.append(f"🤖 {self.texts.demo_chat_others(hidden)}")

    def _shown(self, call: Call) -> list[str]:
        chat = int(str(call.chat_id))
        to = "" if chat == ADMIN_ID else f"→ {_short(self.names[chat])}: "
        if call.method == "sendLocation":
            return [f"🤖 {to}📍 {call.params['latitude']:.4f}, {call.params['longitude']:.4f}"]
        if call.method == "sendDocument":
            return [f"🤖 {to}📎 {call.params['document'].file_name}"]
        text = str(call.params.get("text", "")).splitlines()
        shown = text[:_SHOWN_LINES] + (["…"] if len(text) > _SHOWN_LINES else [])
        labels = [
            f"[{b['text']}]"
            for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
        ]
        if len(labels) > _SHOWN_BUTTONS:
            labels = [*labels[: _SHOWN_BUTTONS - 1], self.texts.demo_chat_more(len(labels))]
        shown[-1] += f" {' '.join(labels)}" if labels else ""
        return [f"🤖 {to}{shown[0]}", *(f"   {line}" for line in shown[1:])]


def _short(speaker: str) -> str:
    """赵伟（管理员） → 赵伟."""
    return speaker.split("（")[0]


async def play(config: Config) -> list[str]:
    """The transcript of the scripted chat, played on a scratch database."""
    with tempfile.TemporaryDirectory(prefix="shuangsuiji-demo-chat-") as scratch:
        offline = dataclasses.replace(
            config,
            database_url=f"sqlite:///{Path(scratch) / 'demo-chat.db'}",
            telegram=dataclasses.replace(
                config.telegram,
                token=OFFLINE_TOKEN,
                seconds_per_chat=0.0,
                messages_per_second=1000.0,
                error_chat_id=0,
            ),
        )
        ctx = await AppContext.open(offline)
        try:
            await demo.load_demo_directory(ctx)
            return await _script(ctx)
        finally:
            await ctx.close()


async def _script(ctx: AppContext) -> list[str]:
    server, texts = OfflineBotApi(), ctx.texts
    scene = _Scene(server, texts)
    admin = await demo.staff(ctx, Role.ADMIN, ctx.config.regions.code)
    team = await demo.staff(ctx, Role.INSPECTOR, COUNTY) + await demo.staff(ctx, Role.LEAD, COUNTY)
    boss = server.user(ADMIN_ID, admin[0].name)
    scene.names[boss.id] = texts.demo_chat_speaker(admin[0].name, Role.ADMIN.label)
    users: dict[int, TgUser] = {}
    for offset, person in enumerate(team):  # the county's people bound their phones earlier
        code, _ = await identity.create_invite(ctx, person.cert_no, "demo")
        user = users[FIRST_INSPECTOR_ID + offset] = server.user(
            FIRST_INSPECTOR_ID + offset, person.name
        )
        await identity.redeem(ctx, code, user.id, user.id, "zh-hans")
        scene.names[user.id] = texts.demo_chat_speaker(person.name, Role(person.role).label)
    code, _ = await identity.create_invite(ctx, admin[0].cert_no, "demo")
    app = build_application(ctx, server.request())
    # A scratch database has never had a report submitted: the reminders and digests a start
    # would catch up on are noise here, so the schedule is left out of the scene.
    app.bot_data.schedule = _NoSchedule(ctx, app.bot_data.outbox.wake)
    lines = [texts.demo_chat_title()]
    async with run_application(app, server):
        await scene.say(boss, f"/start {code}")
        await scene.say(boss, "/draw")
        for _ in range(7):
            message = server.last_message(boss.id) or {}
            labels = [label for label, _ in server.buttons(message)]
            choice = next(
                (
                    w
                    for w in ("县级", COUNTY_NAME, CLASS_LABEL, "不定向", "服务器随机", "确认抽取")
                    if w in labels
                ),
                labels[0],
            )
            await scene.press(boss, choice)
            if choice == "确认抽取":
                break
        await _settle(ctx, app, server)
        pushed = next(c for c in server.calls if c.method == "sendMessage" and c.chat_id != boss.id)
        inspector = users[int(str(pushed.chat_id))]
        scene.followed = inspector.id
        scene.flush()
        scene.pushing = False
        await scene.press(inspector, texts.button_accept())
        await scene.say(inspector, "/tasks")
        # On site: 开始检查, then the check-in from about 30 m north of the pin he was sent.
        pin = next(
            c.params
            for c in server.calls
            if c.method == "sendLocation" and c.chat_id == inspector.id
        )
        await scene.press(inspector, texts.start_inspection_button())
        await scene.locate(inspector, float(pin["latitude"]) + 0.0003, float(pin["longitude"]))
        scene.flush()
    return lines + scene.lines


class _NoSchedule(Schedule):
    """Neither reminders nor digests, at start or later; pruning at start as usual."""

    def start(self) -> None:
        pass

    async def catch_up(self) -> int:
        return 0

    async def catch_up_digests(self) -> int:
        return 0


async def _settle(ctx: AppContext, app: App, server: OfflineBotApi) -> None:
    """Until the outbox has sent the draw's pushes."""
    for _ in range(3000):
        async with ctx.sessions() as session:
            due = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.state.in_((OutboxState.PENDING, OutboxState.SENDING)))
            )
        if not due:
            await server.until_idle(timeout=30)
            return
        app.bot_data.outbox.wake()
        await asyncio.sleep(0.01)
    raise TimeoutError("the demo's pushes were not sent")
