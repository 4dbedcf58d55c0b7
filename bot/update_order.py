"""Updates handled concurrently, each chat's and each user's in the order they came.

One update at a time (PTB's default) let a single slow handler — a city draw, a write waiting
for SQLite's lock — hold up every other inspector's `/tasks`. Here different chats run side by
side, while an update waits for the one before it from the same chat or the same user: an
inspector's 接受 is handled before the `/tasks` he sent after it, a form's buttons in the order
pressed, and two copies of one update never at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class _Turn:
    """The lock of one chat or user, and how many updates hold or wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` updates at once (PTB counts those waiting for their
    chat's turn among them), never two of one chat or of one user at the same time.

    asyncio.Lock serves its waiters first come, first served, and PTB starts one task per
    update in the order fetched, so each chat's updates run in Telegram's order. An update
    takes its locks in sorted order, so two updates needing the same two never deadlock. A
    lock lives only while some update holds or waits for it.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._turns: dict[int, _Turn] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = _keys(update)
        turns = [self._join(key) for key in keys]
        try:
            async with AsyncExitStack() as held:
                for turn in turns:
                    await held.enter_async_context(turn.lock)
                await coroutine
        finally:
            for key, turn in zip(keys, turns, strict=True):
                turn.users -= 1
                if turn.users == 0:
                    del self._turns[key]

    def _join(self, key: int) -> _Turn:
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = _Turn()
        turn.users += 1
        return turn

    @property
    def chats_in_flight(self) -> int:
        """Chats and users with an update being handled or waiting (tests check it drains)."""
        return len(self._turns)

    async def initialize(self) -> None:
        """Nothing to set up: locks are made as updates arrive."""

    async def shutdown(self) -> None:
        """Nothing to free: the locks go with their last update."""


def _keys(update: object) -> list[int]:
    """Whose turn an update waits for: its chat's and its sender's (the same id in a private
    chat; a group's ids are negative, users' positive)."""
    if not isinstance(update, Update):
        return []
    chat, user = update.effective_chat, update.effective_user
    return sorted({x.id for x in (chat, user) if x is not None})
