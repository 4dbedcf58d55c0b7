"""Opening an untrusted zip (.xlsx, .docx) without trusting the sizes it declares.

zipfile trusts the central directory: asked for a whole member, it inflates everything the
member's data holds (up to 2 GB per call, bzip2 and lzma without any bound) and only then cuts
the result to the declared size. So before anyone reads the archive, every member is inflated
here once, in bounded chunks, counting the real bytes against the limits; a member must then
inflate to exactly its declared size, which zipfile holds later readers (openpyxl) to.

The limits: at most MAX_UNPACKED_FACTOR times the file size limit unpacked in all, and no
member compressed more than MAX_COMPRESSION_RATIO:1.
"""

from __future__ import annotations

import copy
import io
import struct
import zipfile
import zlib
from enum import StrEnum

MAX_COMPRESSION_RATIO = 200
MAX_UNPACKED_FACTOR = 40  # unpacked bytes allowed per byte of the size limit
CHUNK = 1024 * 1024  # inflated bytes held at once while checking
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})  # what Office writes
# What a damaged or unreadable archive raises from zipfile and zlib.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError,
            ValueError, struct.error)  # fmt: skip


class ZipProblem(StrEnum):
    CORRUPT = "corrupt"  # not a zip, damaged, encrypted, or compressed in a way Office never uses
    BOMB = "bomb"  # unpacks to more than the limits allow


class UnsafeZip(Exception):
    def __init__(self, problem: ZipProblem) -> None:
        super().__init__(problem)
        self.problem = problem


def checked_zip(data: bytes, max_bytes: int) -> zipfile.ZipFile:
    """The archive in `data` (a file of at most `max_bytes`), every member verified to inflate
    to its declared size within the limits; raises UnsafeZip otherwise. The caller reads it
    from these same bytes, so nothing can change between the check and the reading."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _DAMAGED:
        raise UnsafeZip(ZipProblem.CORRUPT) from None
    try:
        _check(archive, len(data), max_bytes * MAX_UNPACKED_FACTOR)
    except BaseException:
        archive.close()
        raise
    return archive


def _check(archive: zipfile.ZipFile, size: int, max_unpacked: int) -> None:
    members = archive.infolist()
    # The declared sizes first: an honest bomb is refused without inflating anything.
    if sum(m.file_size for m in members) > max_unpacked or any(
        m.file_size > _ratio_cap(m) for m in members
    ):
        raise UnsafeZip(ZipProblem.BOMB)
    # Members that overlap, or claim more compressed bytes than the file has, would make the
    # ratio meaningless (one small kernel read through many entries).
    if any(m.compress_type not in _METHODS for m in members) or (
        sum(m.compress_size for m in members) > size
    ):
        raise UnsafeZip(ZipProblem.CORRUPT)
    unpacked = 0
    for member in members:
        cap = max(min(_ratio_cap(member), max_unpacked - unpacked), 0)
        try:
            inflated = _inflated_size(archive, member, cap)
        except _DAMAGED:
            raise UnsafeZip(ZipProblem.CORRUPT) from None
        if inflated > cap:
            raise UnsafeZip(ZipProblem.BOMB)
        if inflated != member.file_size:
            raise UnsafeZip(ZipProblem.CORRUPT)
        unpacked += inflated


def _ratio_cap(member: zipfile.ZipInfo) -> int:
    return MAX_COMPRESSION_RATIO * max(member.compress_size, 1)


def _inflated_size(archive: zipfile.ZipFile, member: zipfile.ZipInfo, cap: int) -> int:
    """How many bytes the member really inflates to, counting no further than cap + CHUNK."""
    # zipfile cuts the output at the declared size (and then fails the CRC): declare our own
    # cap instead, beyond where the loop below stops, so that the real size shows.
    probe = copy.copy(member)
    probe.file_size = cap + 2 * CHUNK
    inflated = 0
    with archive.open(probe) as stream:
        while inflated <= cap and (chunk := stream.read(CHUNK)):
            inflated += len(chunk)
    return inflated
