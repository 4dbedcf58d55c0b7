"""Hostile .xlsx and .docx files (issue 16): zip members that lie about their size, members
compressed with bzip2 or lzma, and XML entities. Each is refused with the usual one-line reason,
nothing is stored, and no more than the limits allow is ever inflated: a counting wrapper
around zlib's, bz2's and lzma's decompressors measures what anyone really inflated."""

from __future__ import annotations

import bz2
import lzma
import random
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.context import AppContext
from bot.knowledge import docx as docx_module
from bot.services import qa
from bot.services.directories import import_directory
from bot.services.qa import DocumentProblem, PolicyLibrary
from storage import excel
from storage.bot_models import PolicyDocument
from storage.models import AuditLog, Target
from storage.safe_zip import CHUNK, MAX_COMPRESSION_RATIO, MAX_MEMBERS, MAX_UNPACKED_FACTOR
from storage.xml_prolog import MAX_PROLOG
from tests.factories import TARGET_HEADERS, target_row, write_workbook
from tests.hostile_files import (
    MB,
    RULE,
    billion_laughs_docx,
    build_zip,
    compressed,
    docx_with,
    external_entity_docx,
    laughs,
    members_of,
    paragraphs_xml,
    repeated,
    swapped,
    with_doctype,
)

LIMIT = MB  # the size limit of these tests: 40 MB unpacked in all
ZIP_BOMB = "文件解压后异常庞大，疑似恶意文件，已拒绝。"
DAMAGED = "文件已损坏或不完整，无法读取，请重新保存或重新上传。"
UNREADABLE = "文件无法读取：请另存为 UTF-8 编码的 .txt 或 .docx。"
UNSAFE = "文件含有 DOCTYPE 声明（Office 文件不会有），疑似恶意文件，已拒绝。请用 Excel 或 Word 另存一份再试。"


class _Counting:
    """A decompressor that adds up what it really inflates."""

    def __init__(self, inner: Any, tally: dict[str, int], kind: str) -> None:
        self._inner, self._tally, self._kind = inner, tally, kind

    def _count(self, out: bytes) -> bytes:
        self._tally[self._kind] = self._tally.get(self._kind, 0) + len(out)
        return out

    def decompress(self, *args: Any, **kwargs: Any) -> bytes:
        return self._count(self._inner.decompress(*args, **kwargs))

    def flush(self, *args: Any) -> bytes:
        return self._count(self._inner.flush(*args))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.fixture
def inflated(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Bytes inflated per algorithm while the test runs, by anyone: our check, zipfile for
    openpyxl or for the .docx reader."""
    tally: dict[str, int] = {}
    for module, factory, kind in [
        (zlib, "decompressobj", "deflate"),
        (bz2, "BZ2Decompressor", "bzip2"),
        (lzma, "LZMADecompressor", "lzma"),
    ]:
        original = getattr(module, factory)

        def counting(*args: Any, _original: Any = original, _kind: str = kind, **kw: Any) -> Any:
            return _Counting(_original(*args, **kw), tally, _kind)

        monkeypatch.setattr(module, factory, counting)
    yield tally


def _workbook(path: Path) -> bytes:
    return write_workbook(path, TARGET_HEADERS, [target_row(), target_row()]).read_bytes()


def _unpacked(data: bytes) -> int:
    return sum(m.size for m in members_of(data))


async def _import(ctx: AppContext, path: Path, data: bytes) -> list[str]:
    """The one-line reasons the import gives; asserts it wrote nothing."""
    path.write_bytes(data)
    report = await import_directory(
        ctx.sessions, ctx.config.regions, "targets", path, actor="test", max_bytes=LIMIT
    )
    async with ctx.sessions() as session:
        for model in (Target, AuditLog):
            assert await session.scalar(select(func.count()).select_from(model)) == 0
    assert report.refused and report.problems == []
    return [ctx.texts.sheet_problem(p) for p in report.sheet_problems]


# --- .xlsx --------------------------------------------------------------------------------


async def test_workbook_member_that_hides_its_size_is_refused_as_a_bomb_within_the_ratio(
    ctx: AppContext, tmp_path: Path, inflated: dict[str, int]
) -> None:
    """The issue's 1.9 MB file: xl/workbook.xml declares 200 bytes and inflates to 64 MB."""
    good = _workbook(tmp_path / "good.xlsx")
    bomb = repeated("xl/workbook.xml", bytes(MB), 64, declared=200)
    data = swapped(good, bomb)
    assert len(data) < LIMIT
    assert await _import(ctx, tmp_path / "bomb.xlsx", data) == [ZIP_BOMB]
    # the check stopped one chunk past the member's ratio; openpyxl never read the file
    most = _unpacked(good) + MAX_COMPRESSION_RATIO * len(bomb.raw) + CHUNK
    assert sum(inflated.values()) <= most < 64 * MB


async def test_members_within_the_ratio_that_add_up_past_the_limit_are_refused(
    ctx: AppContext, tmp_path: Path, inflated: dict[str, int]
) -> None:
    """60 MB at about 116:1 (one random byte per 400 zeros), declared as 1,000 bytes."""
    rng = random.Random(16)
    chunk = b"".join(bytes([rng.randrange(1, 256)]) + bytes(400) for _ in range(MB // 401))
    bomb = repeated("xl/media/image1.bin", chunk, 60, declared=1000)
    assert 60 * len(chunk) < MAX_COMPRESSION_RATIO * len(bomb.raw)
    data = build_zip([*members_of(_workbook(tmp_path / "good.xlsx")), bomb])
    assert len(data) < LIMIT
    assert await _import(ctx, tmp_path / "bomb.xlsx", data) == [ZIP_BOMB]
    assert sum(inflated.values()) <= MAX_UNPACKED_FACTOR * LIMIT + CHUNK


@pytest.mark.parametrize(
    ("method", "kind"),
    [(zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "lzma")],
    ids=["bzip2", "lzma"],
)
async def test_members_compressed_other_than_stored_or_deflate_are_refused_unread(
    ctx: AppContext, tmp_path: Path, inflated: dict[str, int], method: int, kind: str
) -> None:
    good = _workbook(tmp_path / "good.xlsx")
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(tmp_path / "good.xlsx") as archive:
        honest = swapped(good, compressed(sheet, archive.read(sheet), method))
    assert await _import(ctx, tmp_path / "honest.xlsx", honest) == [DAMAGED]
    # the 7 KB bzip2 file: inflated whole by zipfile, whatever the headers say
    bomb = swapped(good, compressed("xl/workbook.xml", bytes(8 * MB), method, declared=200))
    assert await _import(ctx, tmp_path / "bomb.xlsx", bomb) == [DAMAGED]
    assert inflated.get(kind, 0) == 0


async def test_workbook_of_too_many_members_is_refused_before_any_is_inflated(
    ctx: AppContext, tmp_path: Path, inflated: dict[str, int]
) -> None:
    empty = compressed("x", b"")
    crowd = [replace(empty, name=f"{i}") for i in range(MAX_MEMBERS)]
    data = build_zip([*members_of(_workbook(tmp_path / "good.xlsx")), *crowd])
    assert await _import(ctx, tmp_path / "crowd.xlsx", data) == [ZIP_BOMB]
    assert inflated == {}


async def test_workbook_whose_sheet_declares_entities_is_refused(
    ctx: AppContext, tmp_path: Path
) -> None:
    good = _workbook(tmp_path / "good.xlsx")
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(tmp_path / "good.xlsx") as archive:
        xml = archive.read(sheet)
    doctype, reference = laughs("worksheet", 4)
    hostile = with_doctype(xml.replace("（一厂）".encode(), reference.encode()), doctype)
    data = swapped(good, compressed(sheet, hostile))
    assert await _import(ctx, tmp_path / "laughs.xlsx", data) == [UNSAFE]


def test_reading_a_sheet_back_meets_the_same_checks(tmp_path: Path) -> None:
    """The error copy reads the file again: through the same checks."""
    path = tmp_path / "bomb.xlsx"
    bomb = repeated("xl/workbook.xml", bytes(MB), 64, declared=200)
    path.write_bytes(swapped(_workbook(tmp_path / "good.xlsx"), bomb))
    with pytest.raises(excel.SheetRejected) as rejected:
        excel.read_values(path, LIMIT)
    assert [p.kind for p in rejected.value.problems] == [excel.SheetProblemKind.ZIP_BOMB]


# --- .docx --------------------------------------------------------------------------------


async def _stored_documents(ctx: AppContext) -> int:
    async with ctx.sessions() as session:
        return await session.scalar(select(func.count()).select_from(PolicyDocument)) or 0


async def _add(ctx: AppContext, data: bytes) -> str:
    """The reason an upload is refused; asserts nothing was stored."""
    with pytest.raises(DocumentProblem) as refused:
        await qa.add_document(ctx, PolicyLibrary(ctx), "规定.docx", data, "test")
    assert await _stored_documents(ctx) == 0
    return ctx.texts.document_problem(refused.value.kind)


@pytest.mark.parametrize(
    "data",
    [billion_laughs_docx(), external_entity_docx()],
    ids=["entity-expansion", "external-entity"],
)
async def test_docx_with_a_doctype_is_refused(ctx: AppContext, data: bytes) -> None:
    assert await _add(ctx, data) == UNSAFE


async def test_docx_whose_prolog_runs_past_the_limit_is_refused(ctx: AppContext) -> None:
    """White space before the root element costs a parse per byte: no more than MAX_PROLOG
    of it is read, and a DOCTYPE past it is never reached."""
    doctype, reference = laughs("w:document", 3)
    padding = " " * (MAX_PROLOG + 1)
    data = docx_with(paragraphs_xml(*RULE, reference, doctype=f"{padding}{doctype}"))
    assert await _add(ctx, data) == UNREADABLE


async def test_docx_whose_text_hides_its_size_is_refused_within_the_ratio(
    ctx: AppContext, inflated: dict[str, int]
) -> None:
    bomb = repeated("word/document.xml", b" " * MB, 64, declared=len(paragraphs_xml("一")))
    data = build_zip([compressed("[Content_Types].xml", b"<Types/>"), bomb])
    assert await _add(ctx, data) == UNREADABLE
    assert sum(inflated.values()) <= 8 + MAX_COMPRESSION_RATIO * len(bomb.raw) + CHUNK < 64 * MB


async def test_docx_compressed_with_bzip2_is_refused(ctx: AppContext) -> None:
    text = paragraphs_xml(*RULE).encode()
    data = build_zip([compressed("word/document.xml", text, zipfile.ZIP_BZIP2)])
    assert await _add(ctx, data) == UNREADABLE


async def test_docx_is_read_off_the_event_loop(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unpacking and parsing a 2 MB upload must not stall every other chat."""
    threads: list[int] = []

    def spied(*args: Any) -> str:
        threads.append(threading.get_ident())
        return docx_module.docx_text(*args)

    monkeypatch.setattr(qa, "docx_text", spied)
    data = docx_with(paragraphs_xml(*RULE))
    await qa.add_document(ctx, PolicyLibrary(ctx), "执法记录仪使用规定.docx", data, "test")
    assert threads and threads[0] != threading.get_ident()
    assert await _stored_documents(ctx) == 1
