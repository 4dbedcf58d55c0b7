"""Progress bars for long commands (import, export, draw): on stderr, and only when stderr is
a terminal — piped or redirected output stays exactly what it was."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from bot.services.progress import Progress, untold


@contextmanager
def progress_bar(label: str, unit: str) -> Iterator[Progress]:
    """A ``Progress`` that draws a bar while the block runs and erases it after (tqdm is
    thread-safe: an import tells its progress from the thread reading the sheet)."""
    if not sys.stderr.isatty():
        yield untold
        return
    # Told every few hundred rows or once per step: each telling is drawn (tqdm's own time
    # threshold would skip the steps of a quick draw).
    bar = tqdm(
        desc=label,
        unit=unit,
        file=sys.stderr,
        leave=False,
        dynamic_ncols=True,
        mininterval=0,
        miniters=1,
    )

    def told(done: int, total: int) -> None:
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        yield told
    finally:
        bar.close()
