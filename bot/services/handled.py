"""Which updates were handled, so that one Telegram delivers again is handled once.

Checked in memory first, then in the database (after a restart); recorded in memory at once and
written to the database in small batches off the hot path. python-telegram-bot confirms an
update to Telegram as soon as it is fetched, so repeats come from a lost getUpdates answer or a
crash before that confirmation; a crash can lose the last half second of records, and the
actions behind buttons are idempotent in their services for that case.
"""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.context import AppContext
from storage.bot_models import HandledUpdate

MEMORY = 10_000  # recent ids kept in memory


class HandledUpdates:
    def __init__(self, ctx: AppContext, flush_every: float = 0.5) -> None:
        self.ctx = ctx
        self.flush_every = flush_every
        self._recent: dict[int, None] = {}  # insertion-ordered set
        self._unsaved: list[int] = []
        self._stopping = asyncio.Event()
        self._highest_saved: int | None = None  # read once; ids above it were never handled

    async def _highest(self) -> int:
        if self._highest_saved is None:
            async with self.ctx.sessions() as session:
                found = await session.scalar(select(func.max(HandledUpdate.update_id)))
            self._highest_saved = found or 0
        return self._highest_saved

    async def first_time(self, update_id: int) -> bool:
        """Whether this update is new; if so it counts as handled from now on.

        Updates are handled concurrently, so the id is claimed before the first await: a copy
        of the update arriving meanwhile finds it taken, whatever the database says later."""
        if update_id in self._recent:
            return False
        self._recent[update_id] = None
        if len(self._recent) > MEMORY:
            del self._recent[next(iter(self._recent))]
        try:
            seen = await self._saved_before(update_id)
        except BaseException:
            self._recent.pop(update_id, None)  # not decided: a later copy may try again
            raise
        if not seen:
            self._unsaved.append(update_id)
        return not seen

    async def _saved_before(self, update_id: int) -> bool:
        """Whether a run before this one handled it. Telegram's update ids only grow, so only
        an id at or below the highest one saved before this process started needs a look."""
        if update_id > await self._highest():
            return False
        async with self.ctx.sessions() as session:
            found = select(HandledUpdate.update_id).where(HandledUpdate.update_id == update_id)
            return bool(await session.scalar(found))

    async def flush(self) -> None:
        batch, self._unsaved = self._unsaved, []
        if not batch:
            return
        try:
            async with self.ctx.sessions() as session, session.begin():
                await session.execute(insert(HandledUpdate), [{"update_id": u} for u in batch])
        except IntegrityError:  # another process recorded one of them: record the rest singly
            for update_id in batch:
                with contextlib.suppress(IntegrityError):
                    async with self.ctx.sessions() as session, session.begin():
                        session.add(HandledUpdate(update_id=update_id))

    async def run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.flush_every)
            await self.flush()

    def stop(self) -> None:
        self._stopping.set()
