"""Files written whole or not at all (storage/out_files.py, used by `report` and `publish`)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from storage.out_files import write_whole


def test_a_write_that_fails_halfway_leaves_the_old_file_and_no_scratch(tmp_path: Path) -> None:
    path = tmp_path / "public.xlsx"
    path.write_bytes(b"last quarter's file")

    def disk_full(scratch: Path) -> None:
        scratch.write_bytes(b"the first half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_whole(path, disk_full)
    assert path.read_bytes() == b"last quarter's file"
    assert list(tmp_path.iterdir()) == [path]


def test_a_whole_write_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "public.xlsx"
    path.write_bytes(b"last quarter's file")
    write_whole(path, lambda scratch: scratch.write_bytes(b"this quarter's file"))
    assert path.read_bytes() == b"this quarter's file"
    assert list(tmp_path.iterdir()) == [path]
