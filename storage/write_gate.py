"""On SQLite, this process's write transactions take turns in the event loop.

SQLite lets one writer in at a time, and a connection finding the file locked sleeps and
retries (1, 2, 5 … 100 ms apart) until its busy timeout: with many inspectors pressing buttons
at once, a writer could keep losing to newcomers — a city draw waited seconds for its turn,
and presses took up to a second. Waiting here instead is first come, first served, and wakes
the next writer the moment the last one commits. Reads never wait (WAL). Another process (the
command line) still meets the busy timeout.

`async with session.begin():` is how services open a write transaction; that is what waits.
A task already inside one passes straight through, as a nested use did before.

A write that never yields to the loop (storage/database.py PointWrites) goes only while the gate
is `free`: nobody holds it or waits for it, so it neither collides with a writer nor jumps the
queue; otherwise it takes its turn here like any other.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

GATE = "write_gate"  # the key of Session.info holding the gate


class WriteGate:
    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._queued = 0  # tasks holding the gate or waiting for it

    @property
    def free(self) -> bool:
        """Nobody holds the gate or waits for it (a woken waiter counts until it has run)."""
        return self._queued == 0

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            yield
            return
        self._queued += 1
        try:
            async with self._lock:
                self._owner = task
                try:
                    yield
                finally:
                    self._owner = None
        finally:
            self._queued -= 1


class GatedSession(AsyncSession):
    """An AsyncSession whose `begin()` waits for the write gate in its ``info``, if any."""

    def begin(self) -> Any:
        gate: WriteGate | None = self.info.get(GATE)
        transaction = super().begin()
        return transaction if gate is None else _gated(gate, transaction)


@asynccontextmanager
async def _gated(gate: WriteGate, transaction: Any) -> AsyncIterator[Any]:
    async with gate.turn(), transaction as begun:
        yield begun
