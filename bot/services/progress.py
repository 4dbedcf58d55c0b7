"""How a long use case tells its progress: (done, in all; 0 when not known). The command line
draws a bar with it, the bot edits a message."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]


def untold(done: int, total: int) -> None:
    """Progress nobody watches."""
