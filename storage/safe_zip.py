"""Opening an untrusted zip (.xlsx, .docx) without trusting the sizes it declares.

zipfile trusts the central directory: asked for a whole member, it inflates everything the
member's data holds (up to 2 GB per call, bzip2 and lzma without any bound) and only then cuts
the result to the declared size. So before anyone reads the archive, every member is inflated
here once, in bounded chunks, counting the real bytes against the limits; a member must then
inflate to exactly its declared size, which zipfile holds later readers (openpyxl) to. On the
way, each member's start is read as XML would be: no DOCTYPE anywhere, no endless prolog
(storage.xml_prolog).

The limits: at most MAX_UNPACKED_FACTOR times the file size limit unpacked in all, no member
compressed more than MAX_COMPRESSION_RATIO:1, and no more than MAX_MEMBERS members.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from enum import StrEnum

from storage.xml_prolog import PrologProbe

MAX_COMPRESSION_RATIO = 200
MAX_UNPACKED_FACTOR = 40  # unpacked bytes allowed per byte of the size limit
MAX_MEMBERS = 10_000  # Office writes dozens; each costs a parse and a decompressor here
CHUNK = 1024 * 1024  # inflated bytes held at once while checking
_INPUT_PIECE = 64 * 1024  # compressed bytes fed at once (zlib copies what it has not used)
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})  # what Office writes
_ENCRYPTED = 0x1
# signature, then version, flags, method, time, date, CRC and sizes, then name and extra lengths
_LOCAL_HEADER = struct.Struct("<4s22xHH")


class ZipProblem(StrEnum):
    CORRUPT = "corrupt"  # not a zip, damaged, encrypted, or compressed in a way Office never uses
    BOMB = "bomb"  # unpacks to more than the limits allow
    DOCTYPE = "doctype"  # a member's XML declares a DOCTYPE (entities: storage.xml_prolog)


class UnsafeZip(Exception):
    def __init__(self, problem: ZipProblem) -> None:
        super().__init__(problem)
        self.problem = problem


def checked_zip(data: bytes, max_bytes: int) -> zipfile.ZipFile:
    """The archive in `data` (a file of at most `max_bytes`), every member verified to inflate
    to its declared size within the limits; raises UnsafeZip otherwise. The caller reads it
    from these same bytes, so nothing can change between the check and the reading."""
    # Every entry of the central directory starts with this signature: a bound on the count,
    # taken before zipfile builds an object per entry (20 MB hold 200,000: seconds, 100 MB).
    if data.count(b"PK\x01\x02") > MAX_MEMBERS:
        raise UnsafeZip(ZipProblem.BOMB)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise UnsafeZip(ZipProblem.CORRUPT) from None
    try:
        _check(archive, data, max_bytes * MAX_UNPACKED_FACTOR)
    except BaseException:
        archive.close()
        raise
    return archive


def _check(archive: zipfile.ZipFile, data: bytes, max_unpacked: int) -> None:
    members = archive.infolist()
    # The declared sizes first: an honest bomb is refused without inflating anything.
    if sum(m.file_size for m in members) > max_unpacked or any(
        m.file_size > _ratio_cap(m) for m in members
    ):
        raise UnsafeZip(ZipProblem.BOMB)
    # Members that overlap, or claim more compressed bytes than the file has, would make the
    # ratio meaningless (one small kernel read through many entries).
    if any(m.compress_type not in _METHODS or m.flag_bits & _ENCRYPTED for m in members) or (
        sum(m.compress_size for m in members) > len(data)
    ):
        raise UnsafeZip(ZipProblem.CORRUPT)
    unpacked = 0
    for member in members:
        cap = max(min(_ratio_cap(member), max_unpacked - unpacked), 0)
        probe = PrologProbe()
        try:
            inflated = _inflated_size(data, member, cap, probe)
        except (zlib.error, struct.error):
            raise UnsafeZip(ZipProblem.CORRUPT) from None
        if inflated > cap:
            raise UnsafeZip(ZipProblem.BOMB)
        if inflated != member.file_size:
            raise UnsafeZip(ZipProblem.CORRUPT)
        if probe.doctype:
            raise UnsafeZip(ZipProblem.DOCTYPE)
        if probe.overlong:
            raise UnsafeZip(ZipProblem.CORRUPT)
        unpacked += inflated


def _ratio_cap(member: zipfile.ZipInfo) -> int:
    return MAX_COMPRESSION_RATIO * max(member.compress_size, 1)


def _inflated_size(data: bytes, member: zipfile.ZipInfo, cap: int, probe: PrologProbe) -> int:
    """How many bytes the member really inflates to, counting no further than cap + CHUNK;
    the probe is fed the bytes until it has decided.

    Inflated here rather than through zipfile, which cuts the output at the declared size
    (hiding the real one) and copies the unread input on every call."""
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, member.header_offset)
    start = member.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    raw = memoryview(data)[start : start + member.compress_size]
    if signature != b"PK\x03\x04" or len(raw) < member.compress_size:
        raise UnsafeZip(ZipProblem.CORRUPT)  # no member data where the directory says
    if member.compress_type == zipfile.ZIP_STORED:
        for offset in range(0, len(raw), CHUNK):
            if probe.decided:
                break
            probe.feed(raw[offset : offset + CHUNK])
        return len(raw)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # a raw deflate stream, as zip stores it
    inflated = 0
    for offset in range(0, len(raw), _INPUT_PIECE):
        piece: bytes | memoryview = raw[offset : offset + _INPUT_PIECE]
        while piece and not inflater.eof:
            out = inflater.decompress(piece, CHUNK)
            inflated += len(out)
            if inflated > cap:
                return inflated
            probe.feed(out)
            piece = inflater.unconsumed_tail
    return inflated


def gunzipped(data: bytes, max_bytes: int) -> bytes:
    """A .gz file's content, refused (BOMB) once it unpacks past MAX_COMPRESSION_RATIO:1 or
    max_bytes — counted on the real bytes, CHUNK at a time, as the zip members above are."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # the gzip header and trailer
    cap = min(MAX_COMPRESSION_RATIO * max(len(data), 1), max_bytes)
    parts: list[bytes] = []
    inflated = 0
    piece: bytes = data
    while piece and not inflater.eof:
        out = inflater.decompress(piece, CHUNK)
        inflated += len(out)
        if inflated > cap:
            raise UnsafeZip(ZipProblem.BOMB)
        parts.append(out)
        piece = inflater.unconsumed_tail
    if not inflater.eof:
        raise UnsafeZip(ZipProblem.CORRUPT)  # cut short
    return b"".join(parts)
