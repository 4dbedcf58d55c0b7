"""Updates handled concurrently, each chat's and each user's in the order they came.

One update at a time (PTB's default) let a single slow handler — a city draw, a write waiting
for SQLite's lock — hold up every other inspector's `/tasks`. Here different chats run side by
side, while an update waits for the ones before it from the same chat or the same user: an
inspector's 接受 is handled before the `/tasks` he sent after it, a form's buttons in the order
pressed, and two copies of one update never at once.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class _Ticket:
    """An update's place in the queues of its chat and its user; set when first in all."""

    __slots__ = ("keys", "turn")

    def __init__(self, keys: list[int]) -> None:
        self.keys = keys
        self.turn = asyncio.Event()


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` updates at once, never two of one chat or of one user
    at the same time, each chat's and user's in the order they arrived.

    An update waits for its turn *before* it takes one of the slots: PTB's own
    ``process_update`` takes the slot first, so a burst in one chat (64 forwarded messages,
    an admin tapping during a draw) filled every slot with updates doing nothing but wait,
    and held up every other chat.

    PTB starts one task per update in the order fetched, and an update joins the queues of its
    chat and its user before its first ``await``, so queue order is arrival order. It runs when
    first in all its queues, so it waits only for updates that came before it: no deadlock, and
    an update queued behind another chat's can't be overtaken by the same user's later one
    elsewhere. A queue lives only while some update is in it.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._queues: dict[int, deque[_Ticket]] = {}

    # PTB marks process_update final, but it takes the slot before do_process_update can wait
    # for the chat's turn; the override keeps its contract: at most max_concurrent_updates run.
    async def process_update(  # type: ignore[misc]
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        ticket = self._join(_keys(update))
        try:
            await ticket.turn.wait()
            async with self._semaphore:  # PTB's slots; current_concurrent_updates counts them
                await self.do_process_update(update, coroutine)
        finally:
            self._leave(ticket)
            if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == (
                inspect.CORO_CREATED
            ):
                coroutine.close()  # given up before its turn (shutdown): it never runs

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    def _join(self, keys: list[int]) -> _Ticket:
        ticket = _Ticket(keys)
        for key in keys:
            self._queues.setdefault(key, deque()).append(ticket)
        self._wake_if_first(ticket)
        return ticket

    def _leave(self, ticket: _Ticket) -> None:
        for key in ticket.keys:
            queue = self._queues[key]
            queue.remove(ticket)  # the head, unless it was cancelled while waiting
            if queue:
                self._wake_if_first(queue[0])
            else:
                del self._queues[key]

    def _wake_if_first(self, ticket: _Ticket) -> None:
        if all(self._queues[key][0] is ticket for key in ticket.keys):
            ticket.turn.set()

    @property
    def chats_in_flight(self) -> int:
        """Chats and users with an update being handled or waiting (tests check it drains)."""
        return len(self._queues)

    async def initialize(self) -> None:
        """Nothing to set up: queues are made as updates arrive."""

    async def shutdown(self) -> None:
        """Nothing to free: a queue goes with its last update."""


def _keys(update: object) -> list[int]:
    """Whose turn an update waits for: its chat's and its sender's (the same id in a private
    chat; a group's ids are negative, users' positive)."""
    if not isinstance(update, Update):
        return []
    chat, user = update.effective_chat, update.effective_user
    return sorted({x.id for x in (chat, user) if x is not None})
