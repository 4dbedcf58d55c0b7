"""The outbox: messages written in the same transaction as the change that causes them, and the
sender that delivers them within Telegram's limits.

Limits: at most `messages_per_second` overall (Telegram allows 30) and one message per second
per chat (private chats too, which PTB's AIORateLimiter does not pace). On 429 the sender waits
the `retry_after` Telegram names, on network errors and 5xx it backs off, on 403 it marks the
inspector unreachable and tells the admins, on 400 it marks the row failed and tells the city
admins what was lost. A text longer than Telegram takes is sent as several messages in order
(see `parts`), one per pacing slot, the row remembering how many went out.

A row is marked sent right after Telegram accepts it; rows left `sending` by a crash go back to
pending at start, so a message can be repeated only if the process dies between Telegram's
answer and that one UPDATE. When the database refuses a row's outcome, the sender keeps it and
writes it before anything else; meanwhile the row stays `sending`, which holds the rest of its
chat, so a chat never reads its messages out of order. At stop it tries what it still keeps
once more: only an outcome the database refuses then too is sent again after the restart.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import heapq
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.context import AppContext
from bot.texts.units import CAPTION_UNITS, ELLIPSIS, MESSAGE_UNITS, split, trim
from spotcheck.states import OutboxState
from storage import account_store, draw_store, outbox_store
from storage.bot_models import OutboxMessage
from storage.draw_store import published_bytes
from storage.models import utcnow

log = logging.getLogger(__name__)


def message(
    chat_id: int, text: str, buttons: list[list[tuple[str, str]]] | None = None, quiet: bool = False
) -> OutboxMessage:
    """A text message, with inline buttons as rows of (label, callback data). Telegram refusing
    a ``quiet`` one tells nobody (it is itself the notice of a message lost)."""
    payload: dict[str, Any] = {"kind": "message", "text": text}
    if buttons:
        payload["buttons"] = [[list(b) for b in row] for row in buttons]
    if quiet:
        payload["quiet"] = True
    return OutboxMessage(chat_id=chat_id, payload=payload)


def location(chat_id: int, latitude: float, longitude: float) -> OutboxMessage:
    return OutboxMessage(
        chat_id=chat_id, payload={"kind": "location", "latitude": latitude, "longitude": longitude}
    )


def photo(chat_id: int, path: str, caption: str = "") -> OutboxMessage:
    """One picture from a local file (a result card's thumbnail), read when it is sent."""
    payload: dict[str, Any] = {"kind": "photo", "path": path}
    if caption:
        payload["caption"] = caption
    return OutboxMessage(chat_id=chat_id, payload=payload)


def chart(chat_id: int, png: bytes, caption: str = "") -> OutboxMessage:
    """A picture drawn for this message (a digest's chart), its bytes in the row: it needs no
    file kept until it is sent, cannot lose one, and goes with the row when the row is pruned."""
    payload: dict[str, Any] = {"kind": "chart", "png": base64.b64encode(png).decode("ascii")}
    if caption:
        payload["caption"] = caption
    return OutboxMessage(chat_id=chat_id, payload=payload)


MEDIA_GROUP_MAX = 10  # Telegram's album: 2 to 10 photos


def media_group(chat_id: int, paths: list[str]) -> OutboxMessage:
    """An album of 2–10 pictures from local files, read when it is sent (one pacing slot)."""
    if not 2 <= len(paths) <= MEDIA_GROUP_MAX:
        raise ValueError(f"a media group holds 2 to {MEDIA_GROUP_MAX} photos, not {len(paths)}")
    return OutboxMessage(chat_id=chat_id, payload={"kind": "media_group", "paths": list(paths)})


def record_document(chat_id: int, record_id: int, caption: str) -> OutboxMessage:
    """A draw record as a JSON document; the bytes are read from the database when sent."""
    return OutboxMessage(
        chat_id=chat_id, payload={"kind": "record", "record_id": record_id, "caption": caption}
    )


def parts(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The Telegram messages one row becomes, in order. A text over Telegram's 4,096 UTF-16
    units is split at line breaks, its buttons on the last part; a caption over 1,024 is cut
    with an ellipsis and what it could not hold follows as text messages."""
    if payload["kind"] == "message":
        texts = split(payload["text"], MESSAGE_UNITS)
        head = [{"kind": "message", "text": text} for text in texts[:-1]]
        return [*head, {**payload, "text": texts[-1]}]
    caption = payload.get("caption") or ""
    shown, rest = trim(caption, CAPTION_UNITS)
    if shown == caption:
        return [payload]
    more = split(ELLIPSIS + rest.lstrip(), MESSAGE_UNITS) if rest.strip() else []
    return [{**payload, "caption": shown}, *({"kind": "message", "text": t} for t in more)]


@dataclass
class Pace:
    per_second: float = 29.5  # under Telegram's 30/s, so a jittery clock never crosses it
    per_chat_seconds: float = 1.0


Notify = Callable[[AsyncSession, int], Awaitable[None]]
# (session, chat, the message Telegram refused, its answer): tell someone what was lost
Refused = Callable[[AsyncSession, int, dict[str, Any], str], Awaitable[None]]
Write = Callable[[AsyncSession], Awaitable[None]]


class OutboxSender:
    """Drains the outbox. One per process; `wake()` after committing new rows."""

    def __init__(
        self,
        ctx: AppContext,
        bot: Bot,
        pace: Pace,
        on_unreachable: Notify | None = None,
        on_refused: Refused | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.ctx, self.bot, self.pace = ctx, bot, pace
        self.on_unreachable, self.on_refused = on_unreachable, on_refused
        self.clock, self.sleep = clock, sleep
        self._next_global = 0.0
        self._next_chat: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._owed: dict[int, Write] = {}  # row id → its outcome, which the database refused

    def wake(self) -> None:
        self._wake.set()

    async def recover(self) -> None:
        """Rows a crash left `sending` are tried again (see the module note)."""
        async with self.ctx.sessions() as session, session.begin():
            await outbox_store.release_sending(session)

    async def run(self, idle_poll: float = 1.0) -> None:
        recovered = False
        while not self._stop.is_set():
            try:
                if not recovered:
                    await self.recover()
                    recovered = True
                sent = await self.drain()
            except Exception:  # the database away for a moment must not end delivery for good
                log.exception("outbox drain failed; trying again")
                sent = 0
            if sent == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=idle_poll)
        await self._settle_owed_at_stop()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def drain(self, batch: int = 500) -> int:
        """Send what is due now, chat by chat in order; the number of rows settled."""
        await self._settle_owed()
        async with self.ctx.sessions() as session:
            rows = await outbox_store.due(session, utcnow(), batch)
        queues: dict[int, deque[OutboxMessage]] = {}
        for row in rows:
            queues.setdefault(row.chat_id, deque()).append(row)
        ready = [
            (self._next_chat.get(chat, 0.0), queue[0].id, chat) for chat, queue in queues.items()
        ]
        heapq.heapify(ready)
        settled = 0
        while ready and not self._stop.is_set():
            at, _, chat = heapq.heappop(ready)
            wait = max(at, self._next_global) - self.clock()
            if wait > 0:
                await self._pause(wait)
                if self._stop.is_set():
                    break
            row = queues[chat].popleft()
            # Slots count from the moment of sending, so the time spent on the call and on
            # recording it overlaps the wait for the next slot instead of adding to it. A 429
            # inside _deliver pushes the global slot further.
            began = self.clock()
            self._next_global = max(self._next_global, began) + 1 / self.pace.per_second
            self._next_chat[chat] = began + self.pace.per_chat_seconds
            outcome = await self._deliver(row)
            if outcome == "again":  # a 429, or the next part of a long text
                queues[chat].appendleft(row)
            elif outcome == "hold_chat":
                continue  # the rest of this chat waits for the row, keeping its order
            elif outcome == "drop_chat":
                settled += 1 + len(queues[chat])  # 403: _forbidden failed the chat's rows
                continue
            else:
                settled += 1
            if queues[chat]:
                heapq.heappush(ready, (self._next_chat[chat], queues[chat][0].id, chat))
        return settled

    async def _pause(self, seconds: float) -> None:
        """Sleep, but only until stop(): a 429's long retry_after must not hold a shutdown."""
        sleeping = asyncio.ensure_future(self.sleep(seconds))
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait((sleeping, stopping), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            stopping.cancel()

    async def _deliver(self, row: OutboxMessage) -> str:
        """Send the row's next part; the outcome for drain()."""
        # Marked before the call: a crash between Telegram's answer and the "sent" below leaves
        # the row `sending`, which the next start sends again (see the module note).
        try:
            async with self.ctx.sessions() as session, session.begin():
                await outbox_store.set_values(session, row.id, {"state": OutboxState.SENDING})
        except Exception:  # marked or not: pending again before its chat goes on
            log.exception("outbox %s could not be marked sending", row.id)
            self._owed[row.id] = _values(row.id, state=OutboxState.PENDING)
            return "hold_chat"
        pieces = parts(row.payload)
        done = int(row.payload.get("parts_sent", 0))
        outcome, write = await self._attempt(row, pieces, done)
        if not await self._settle(row.id, write):
            return "hold_chat"
        return outcome

    async def _attempt(
        self, row: OutboxMessage, pieces: list[dict[str, Any]], done: int
    ) -> tuple[str, Write]:
        """Send part ``done`` of ``pieces``: the outcome, and what to record of it."""
        try:
            await self._send(row.chat_id, pieces[done])
        except RetryAfter as error:
            # Flood control: Telegram names the wait; everything pauses that long.
            self._next_global = self.clock() + _seconds(error.retry_after)
            return "again", self._attempted(row, OutboxState.PENDING, f"429 {error}", delay=0)
        except Forbidden as error:
            return "drop_chat", self._forbidden(row, str(error))
        except BadRequest as error:
            log.warning("outbox %s refused by Telegram: %s", row.id, error)
            return "settled", self._refused(row, pieces[done], str(error))
        except Exception as error:
            # 5xx, timeouts, whatever else Telegram may answer (ChatMigrated …), and what is not
            # Telegram's answer at all (the record unreadable for a moment): back off.
            delay = min(2 ** (row.attempts + 1), 300)
            kind = "network" if isinstance(error, NetworkError) else type(error).__name__
            return "hold_chat", self._attempted(
                row, OutboxState.PENDING, f"{kind} {error}", delay=delay
            )
        if done + 1 < len(pieces):
            row.payload = {**row.payload, "parts_sent": done + 1}
            return "again", _values(row.id, state=OutboxState.PENDING, payload=row.payload)
        sent = _values(row.id, state=OutboxState.SENT, sent_at=utcnow(), attempts=row.attempts + 1)
        return "settled", sent

    async def _settle_owed(self) -> None:
        for row_id, write in sorted(self._owed.items()):
            await self._settle(row_id, write)

    async def _settle_owed_at_stop(self, timeout: float = 5.0) -> None:
        """Left unwritten, an owed `sent` (or a long text's parts sent) would have the row sent
        again after the restart. Bounded: a database that is gone must not hold the shutdown."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._settle_owed()
        if self._owed:
            log.error(
                "outbox %s: outcomes not recorded at stop; sent again at the next start",
                sorted(self._owed),
            )

    async def _settle(self, row_id: int, write: Write) -> bool:
        """Record a row's outcome. If the database refuses, the outcome is kept and written
        first thing in the next drain; the row stays `sending` and holds its chat meanwhile."""
        try:
            async with self.ctx.sessions() as session, session.begin():
                await write(session)
        except Exception:
            log.exception("outbox %s: its outcome could not be recorded; trying again", row_id)
            self._owed[row_id] = write
            return False
        self._owed.pop(row_id, None)
        return True

    async def _send(self, chat_id: int, part: dict[str, Any]) -> None:
        kind = part["kind"]
        if kind == "message":
            markup = None
            if part.get("buttons"):
                markup = InlineKeyboardMarkup(
                    [
                        [InlineKeyboardButton(text, callback_data=data) for text, data in r]
                        for r in part["buttons"]
                    ]
                )
            await self.bot.send_message(chat_id, part["text"], reply_markup=markup)
        elif kind == "location":
            await self.bot.send_location(
                chat_id, latitude=part["latitude"], longitude=part["longitude"]
            )
        elif kind == "record":
            async with self.ctx.sessions() as session:
                record = await draw_store.record_by_id(session, part["record_id"])
                if record is None:
                    raise BadRequest(f"no draw record {part['record_id']}")
                data = await published_bytes(session, record)
            data, name = await asyncio.to_thread(record_file, record.id, data)
            await self.bot.send_document(
                chat_id, document=data, filename=name, caption=part.get("caption")
            )
        elif kind == "photo":
            [picture] = await asyncio.to_thread(_read_files, [part["path"]])
            await self.bot.send_photo(chat_id, photo=picture, caption=part.get("caption") or None)
        elif kind == "chart":
            picture = base64.b64decode(part["png"])
            await self.bot.send_photo(chat_id, photo=picture, caption=part.get("caption") or None)
        elif kind == "media_group":
            pictures = await asyncio.to_thread(_read_files, part["paths"])
            await self.bot.send_media_group(chat_id, [InputMediaPhoto(p) for p in pictures])
        else:
            raise BadRequest(f"unknown outbox payload {kind}")

    def _attempted(self, row: OutboxMessage, state: OutboxState, error: str, delay: float) -> Write:
        row.attempts += 1
        return _values(
            row.id,
            state=state,
            attempts=row.attempts,
            last_error=error[:500],
            next_attempt_at=utcnow() + timedelta(seconds=delay),
        )

    def _refused(self, row: OutboxMessage, part: dict[str, Any], error: str) -> Write:
        """400: Telegram will never take this message. Fail it and say what was lost, unless
        the row is such a notice itself (a notice about a lost notice would never end)."""
        failed = self._attempted(row, OutboxState.FAILED, f"400 {error}", delay=0)

        async def write(session: AsyncSession) -> None:
            await failed(session)
            if self.on_refused is not None and not row.payload.get("quiet"):
                await self.on_refused(session, row.chat_id, part, error)

        return write

    def _forbidden(self, row: OutboxMessage, error: str) -> Write:
        """403: the user blocked the bot or deleted the chat. Stop writing there; tell admins."""

        async def write(session: AsyncSession) -> None:
            await outbox_store.fail_chat(session, row.chat_id, row.id, f"403 {error}")
            marked = await account_store.mark_unreachable(session, row.chat_id)
            if self.on_unreachable is not None and marked:  # tell the admins once
                await self.on_unreachable(session, row.chat_id)
            self.wake()

        return write


def _values(row_id: int, **values: Any) -> Write:
    """A write setting these columns of one outbox row."""

    async def write(session: AsyncSession) -> None:
        await outbox_store.set_values(session, row_id, values)

    return write


# Telegram takes documents up to 50 MB from bots; a city draw's record is larger, gzip makes it
# a tenth of that, and `verify` reads .json.gz as well.
GZIP_ABOVE = 10 * 1024 * 1024


def record_file(record_id: int, data: bytes) -> tuple[bytes, str]:
    """The whole record as the document sent: gzipped when Telegram would refuse it plain."""
    if len(data) > GZIP_ABOVE:
        return gzip.compress(data, compresslevel=6, mtime=0), f"draw-record-{record_id}.json.gz"
    return data, f"draw-record-{record_id}.json"


def _read_files(paths: list[str]) -> list[bytes]:
    """The files a photo row names. One gone (the evidence directory moved, a file deleted) will
    not come back by retrying: the row fails as Telegram's 400 would, and the admins hear of it."""
    try:
        return [Path(path).read_bytes() for path in paths]
    except FileNotFoundError as error:
        raise BadRequest(f"file not found: {error.filename}") from error


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
