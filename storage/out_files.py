"""Files the command line writes for people (`report`, `publish`): the path checked before any
work, and the files written whole or not at all.

Everything is first written into a scratch folder beside its destination, then renamed into
place, so a full disk or a refused write leaves no half-written file and no half-updated page
set — and the caller learns of it (an OSError) before it records anything as done."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def out_problem(path: Path, suffixes: tuple[str, ...]) -> str | None:
    """Why ``path`` cannot be the file to write: "suffix" (none of ``suffixes``), "directory"
    (it is one) or "folder" (its folder does not exist — through a link, the folder of the
    file the link names); None when it can."""
    if path.suffix.lower() not in suffixes:
        return "suffix"
    target = _through_links(path)
    if target.is_dir():
        return "directory"
    if not target.parent.is_dir():
        return "folder"
    return None


def _through_links(path: Path) -> Path:
    """The file ``path`` names, links followed: a link is written through, not replaced by the
    file. (os.path.realpath, unlike Path.resolve on Python 3.11, stops at a loop.)"""
    return Path(os.path.realpath(path))


@contextmanager
def staged(folder: Path) -> Iterator[Path]:
    """A scratch folder inside ``folder`` (which must exist). When the block ends without an
    error, each file written under the scratch folder is renamed to the same place under
    ``folder`` (sub-folders made as needed); the scratch folder is removed in any case."""
    stage = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder))
    try:
        yield stage
        files = [p.relative_to(stage) for p in stage.rglob("*") if p.is_file()]
        # The deepest first: a page is in place only after the files it links to.
        files.sort(key=lambda p: (-len(p.parts), p.as_posix()))
        # What would stop a rename is found before the first one: a place taken by a folder,
        # a folder that cannot be made.
        for name in files:
            if (folder / name).is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(folder / name))
        for name in files:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
        for name in files:
            os.replace(stage / name, folder / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def write_whole(path: Path, write: Callable[[Path], object]) -> None:
    """``write(scratch)`` writes the file at a scratch path, then it is renamed to ``path``
    (through a link, to the file the link names)."""
    target = _through_links(path)
    with staged(target.parent) as stage:
        write(stage / target.name)
