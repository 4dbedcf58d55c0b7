"""Hostile zip files, built byte by byte: members whose headers lie about their size, members
compressed with bzip2 or lzma, deflate bombs of repetitive data, and .docx files carrying a
DOCTYPE. Used by the tests and by benchmarks/hostile_files.py (stdlib only)."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

MB = 1024 * 1024
WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@dataclass(frozen=True)
class Member:
    """One zip entry as stored: its compressed bytes and what the headers declare."""

    name: str
    raw: bytes
    method: int
    crc: int
    size: int  # the uncompressed size the headers declare


def compressed(
    name: str, data: bytes, method: int = zipfile.ZIP_DEFLATED, declared: int | None = None
) -> Member:
    """A member compressed by zipfile itself (any method it writes), its headers declaring
    `declared` bytes (default: the truth) with the CRC of what zipfile would then hand out."""
    honest = members_of(_zipfile_bytes(name, data, method))[0]
    if declared is None:
        return honest
    return replace(honest, size=declared, crc=zlib.crc32(data[:declared]))


def repeated(name: str, chunk: bytes, times: int, declared: int | None = None) -> Member:
    """A deflate member inflating to `chunk` `times` over, built in no time: a full flush
    makes the chunk's compressed form self-contained, so it can simply be repeated. The
    headers declare `declared` bytes (default: the truth) with the CRC of what zipfile would
    then hand out, so that a reader trusting the headers sees nothing wrong."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    real = len(chunk) * times
    size = real if declared is None else declared
    crc = 0
    for _ in range(min(real, size) // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(chunk[: min(real, size) % len(chunk)], crc)
    return Member(name, block * times + compressor.flush(), zipfile.ZIP_DEFLATED, crc, size)


def members_of(data: bytes) -> list[Member]:
    """The entries of a zip as stored, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    found = []
    for info in infos:
        name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
        start = info.header_offset + 30 + name_length + extra_length
        raw = data[start : start + info.compress_size]
        found.append(Member(info.filename, raw, info.compress_type, info.CRC, info.file_size))
    return found


def swapped(data: bytes, member: Member) -> bytes:
    """The zip in `data` with the entry of the same name replaced by `member`."""
    return build_zip([member if m.name == member.name else m for m in members_of(data)])


def build_zip(members: Sequence[Member]) -> bytes:
    out, directory = io.BytesIO(), io.BytesIO()
    for m in members:
        offset, name = out.tell(), m.name.encode()
        common = struct.pack(
            "<HHHHHIIIHH", 20, 0, m.method, 0, 0x21, m.crc, len(m.raw), m.size, len(name), 0
        )
        out.write(b"PK\x03\x04" + common + name + m.raw)
        # made by, the local header's fields, then comment, disk, attributes, offset
        directory.write(b"PK\x01\x02" + struct.pack("<H", 20) + common)
        directory.write(struct.pack("<HHHII", 0, 0, 0, 0, offset) + name)
    start, listing = out.tell(), directory.getvalue()
    out.write(listing)
    count = len(members)
    out.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, count, count, len(listing), start, 0))
    return out.getvalue()


def docx_with(document_xml: str) -> bytes:
    """A .docx whose word/document.xml is exactly the text given."""
    return build_zip(
        [
            compressed("[Content_Types].xml", b"<Types/>"),
            compressed("word/document.xml", document_xml.encode()),
        ]
    )


def paragraphs_xml(*paragraphs: str, doctype: str = "") -> str:
    """word/document.xml with these paragraphs (XML as given: entity references stay)."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
        f'<w:document xmlns:w="{WORD_NS}"><w:body>{body}</w:body></w:document>'
    )


RULE = ("一、总则", "（一）佩戴。现场检查全程佩戴执法记录仪。")  # a policy the library takes


def laughs(root: str, levels: int) -> tuple[str, str]:
    """A DOCTYPE for `root` whose entities each name the one before ten times, and the
    reference that expands to 10**levels copies of 'lol'."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)
    )
    return f"<!DOCTYPE {root} [{entities}]>", f"&lol{levels};"


def with_doctype(xml: bytes, doctype: str) -> bytes:
    """The document with `doctype` where one stands: after the XML declaration, if any."""
    declaration = xml[: xml.index(b"?>") + 2] if xml.startswith(b"<?xml") else b""
    return declaration + doctype.encode() + xml[len(declaration) :]


def billion_laughs_docx(levels: int = 5, filler: int = 30_000) -> bytes:
    """expat stops a document expanding to more than 100 times its own size; `filler`
    characters of text keep this one under that, as the issue's 41 KB file (1.9 billion
    characters) was."""
    doctype, reference = laughs("w:document", levels)
    rng = random.Random(levels)
    text = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(filler))
    return docx_with(paragraphs_xml(*RULE, f"（二）说明。{text}{reference}", doctype=doctype))


def external_entity_docx(target: str = "file:///etc/passwd") -> bytes:
    doctype = f'<!DOCTYPE w:document [<!ENTITY secret SYSTEM "{target}">]>'
    return docx_with(paragraphs_xml(*RULE, "（二）说明。&secret;", doctype=doctype))


def _zipfile_bytes(name: str, data: bytes, method: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, data, compress_type=method)
    return out.getvalue()
