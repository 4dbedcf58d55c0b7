"""The outbox: messages written in the same transaction as the change that causes them, and the
sender that delivers them within Telegram's limits.

Limits: at most `messages_per_second` overall (Telegram allows 30) and one message per second
per chat (private chats too, which PTB's AIORateLimiter does not pace). On 429 the sender waits
the `retry_after` Telegram names, on network errors and 5xx it backs off, on 403 it marks the
inspector unreachable and tells the admins. A row is marked sent right after Telegram accepts
it; rows left `sending` by a crash go back to pending at start, so a message can be repeated
only if the process dies between Telegram's answer and that one UPDATE.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import heapq
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.context import AppContext
from storage.bot_models import OutboxMessage, TelegramAccount
from storage.draw_models import DrawRecord
from storage.draw_store import published_bytes
from storage.models import utcnow

log = logging.getLogger(__name__)


def message(
    chat_id: int, text: str, buttons: list[list[tuple[str, str]]] | None = None
) -> OutboxMessage:
    """A text message, with inline buttons as rows of (label, callback data)."""
    payload: dict[str, Any] = {"kind": "message", "text": text}
    if buttons:
        payload["buttons"] = [[list(b) for b in row] for row in buttons]
    return OutboxMessage(chat_id=chat_id, payload=payload)


def location(chat_id: int, latitude: float, longitude: float) -> OutboxMessage:
    return OutboxMessage(
        chat_id=chat_id, payload={"kind": "location", "latitude": latitude, "longitude": longitude}
    )


def record_document(chat_id: int, record_id: int, caption: str) -> OutboxMessage:
    """A draw record as a JSON document; the bytes are read from the database when sent."""
    return OutboxMessage(
        chat_id=chat_id, payload={"kind": "record", "record_id": record_id, "caption": caption}
    )


@dataclass
class Pace:
    per_second: float = 29.5  # under Telegram's 30/s, so a jittery clock never crosses it
    per_chat_seconds: float = 1.0


Notify = Callable[[AsyncSession, int], Awaitable[None]]


class OutboxSender:
    """Drains the outbox. One per process; `wake()` after committing new rows."""

    def __init__(
        self,
        ctx: AppContext,
        bot: Bot,
        pace: Pace,
        on_unreachable: Notify | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.ctx, self.bot, self.pace = ctx, bot, pace
        self.on_unreachable = on_unreachable
        self.clock, self.sleep = clock, sleep
        self._next_global = 0.0
        self._next_chat: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def recover(self) -> None:
        """Rows a crash left `sending` are tried again (see the module note)."""
        async with self.ctx.sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.state == "sending")
                .values(state="pending")
            )

    async def run(self, idle_poll: float = 1.0) -> None:
        await self.recover()
        while not self._stopping:
            try:
                sent = await self.drain()
            except Exception:  # the database away for a moment must not end delivery for good
                log.exception("outbox drain failed; trying again")
                sent = 0
            if sent == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=idle_poll)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def drain(self, batch: int = 500) -> int:
        """Send what is due now, chat by chat in order; the number of rows settled."""
        now = utcnow()
        # A row backing off holds the rows queued after it in its chat, so the order holds
        # across drains too (a push's text before its map pin).
        held = (
            select(OutboxMessage.chat_id, func.min(OutboxMessage.id).label("first"))
            .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at > now)
            .group_by(OutboxMessage.chat_id)
            .subquery()
        )
        async with self.ctx.sessions() as session:
            rows = (
                await session.scalars(
                    select(OutboxMessage)
                    .outerjoin(held, held.c.chat_id == OutboxMessage.chat_id)
                    .where(
                        OutboxMessage.state == "pending",
                        OutboxMessage.next_attempt_at <= now,
                        or_(held.c.first.is_(None), OutboxMessage.id < held.c.first),
                    )
                    .order_by(OutboxMessage.id)
                    .limit(batch)
                )
            ).all()
        queues: dict[int, deque[OutboxMessage]] = {}
        for row in rows:
            queues.setdefault(row.chat_id, deque()).append(row)
        ready = [
            (self._next_chat.get(chat, 0.0), queue[0].id, chat) for chat, queue in queues.items()
        ]
        heapq.heapify(ready)
        settled = 0
        while ready and not self._stopping:
            at, _, chat = heapq.heappop(ready)
            wait = max(at, self._next_global) - self.clock()
            if wait > 0:
                await self.sleep(wait)
            row = queues[chat].popleft()
            # Slots count from the moment of sending, so the time spent on the call and on
            # recording it overlaps the wait for the next slot instead of adding to it. A 429
            # inside _deliver pushes the global slot further.
            began = self.clock()
            self._next_global = max(self._next_global, began) + 1 / self.pace.per_second
            self._next_chat[chat] = began + self.pace.per_chat_seconds
            outcome = await self._deliver(row)
            if outcome == "retry_later":
                queues[chat].appendleft(row)
            elif outcome == "hold_chat":
                continue  # the rest of this chat waits for the row's backoff, keeping its order
            elif outcome == "drop_chat":
                settled += 1 + len(queues[chat])  # 403: _forbidden failed the chat's rows
                continue
            else:
                settled += 1
            if queues[chat]:
                heapq.heappush(ready, (self._next_chat[chat], queues[chat][0].id, chat))
        return settled

    async def _deliver(self, row: OutboxMessage) -> str:
        # Marked before the call: a crash between Telegram's answer and the "sent" below leaves
        # the row `sending`, which the next start sends again (see the module note).
        async with self.ctx.sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id).values(state="sending")
            )
        try:
            await self._send(row)
        except RetryAfter as error:
            # Flood control: Telegram names the wait; everything pauses that long.
            self._next_global = self.clock() + _seconds(error.retry_after)
            await self._attempted(row, "pending", f"429 {error}", delay=0)
            return "retry_later"
        except Forbidden as error:
            await self._forbidden(row, str(error))
            return "drop_chat"
        except BadRequest as error:
            log.warning("outbox %s refused by Telegram: %s", row.id, error)
            await self._attempted(row, "failed", f"400 {error}", delay=0)
            return "settled"
        except (NetworkError, TelegramError) as error:
            # 5xx, timeouts, and whatever else Telegram may answer (ChatMigrated …): back off.
            delay = min(2 ** (row.attempts + 1), 300)
            kind = "network" if isinstance(error, NetworkError) else type(error).__name__
            await self._attempted(row, "pending", f"{kind} {error}", delay=delay)
            return "hold_chat"
        async with self.ctx.sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(state="sent", sent_at=utcnow(), attempts=row.attempts + 1)
            )
        return "settled"

    async def _send(self, row: OutboxMessage) -> None:
        payload = row.payload
        kind = payload["kind"]
        if kind == "message":
            markup = None
            if payload.get("buttons"):
                markup = InlineKeyboardMarkup(
                    [
                        [InlineKeyboardButton(text, callback_data=data) for text, data in r]
                        for r in payload["buttons"]
                    ]
                )
            await self.bot.send_message(row.chat_id, payload["text"], reply_markup=markup)
        elif kind == "location":
            await self.bot.send_location(
                row.chat_id, latitude=payload["latitude"], longitude=payload["longitude"]
            )
        elif kind == "record":
            async with self.ctx.sessions() as session:
                record = await session.get(DrawRecord, payload["record_id"])
            if record is None:
                raise BadRequest(f"no draw record {payload['record_id']}")
            data, name = record_file(record)
            await self.bot.send_document(
                row.chat_id, document=data, filename=name, caption=payload.get("caption")
            )
        else:
            raise BadRequest(f"unknown outbox payload {kind}")

    async def _attempted(self, row: OutboxMessage, state: str, error: str, delay: float) -> None:
        row.attempts += 1
        async with self.ctx.sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(
                    state=state,
                    attempts=row.attempts,
                    last_error=error[:500],
                    next_attempt_at=utcnow() + timedelta(seconds=delay),
                )
            )

    async def _forbidden(self, row: OutboxMessage, error: str) -> None:
        """403: the user blocked the bot or deleted the chat. Stop writing there; tell admins."""
        async with self.ctx.sessions() as session, session.begin():
            # this row (now `sending`) and every other still waiting for that chat
            this_or_waiting = (OutboxMessage.id == row.id) | (OutboxMessage.state == "pending")
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.chat_id == row.chat_id, this_or_waiting)
                .values(state="failed", last_error=f"403 {error}"[:500])
            )
            marked = await session.scalar(
                update(TelegramAccount)
                .where(TelegramAccount.chat_id == row.chat_id, TelegramAccount.reachable.is_(True))
                .values(reachable=False)
                .returning(TelegramAccount.id)
            )
            if self.on_unreachable is not None and marked is not None:  # tell the admins once
                await self.on_unreachable(session, row.chat_id)
        self.wake()


# Telegram takes documents up to 50 MB from bots; a city draw's record is larger, gzip makes it
# a tenth of that, and `verify` reads .json.gz as well.
GZIP_ABOVE = 10 * 1024 * 1024


def record_file(record: DrawRecord) -> tuple[bytes, str]:
    data = published_bytes(record)
    if len(data) > GZIP_ABOVE:
        return gzip.compress(data, compresslevel=6, mtime=0), f"draw-record-{record.id}.json.gz"
    return data, f"draw-record-{record.id}.json"


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
