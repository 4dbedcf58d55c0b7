"""Refusing hostile files: time and peak memory of each refusal, against reading an honest file
of about the same size with the same reader (the floor, measured in the same run).

Each read runs in a fresh process, so that its peak memory is its own (ru_maxrss, imports
included). The .xlsx reader is the import's (check, then openpyxl over every row) with the
default 20 MB limit; the .docx reader is the policy upload's (2 MB limit). Targets, per file:
refused in under 5 s, peak under 300 MB, with the reason users read today. Exit status 1 when
one is missed.

    python -m benchmarks.hostile_files
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from benchmarks.common import peak_mb, run_phase
from tests.hostile_files import (
    MB,
    RULE,
    billion_laughs_docx,
    build_zip,
    compressed,
    docx_with,
    laughs,
    members_of,
    paragraphs_xml,
    repeated,
    swapped,
    with_doctype,
)

XLSX_LIMIT = 20 * MB
ZIP_BOMB = "文件解压后异常庞大，疑似恶意文件，已拒绝。"
DAMAGED = "文件已损坏或不完整，无法读取，请重新保存或重新上传。"
UNREADABLE = "文件无法读取：请另存为 UTF-8 编码的 .txt 或 .docx。"
UNSAFE = "文件含有 DOCTYPE 声明（Office 文件不会有），疑似恶意文件，已拒绝。请用 Excel 或 Word 另存一份再试。"


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # "xlsx" or "docx"
    build: Callable[[Path], bytes]
    reason: str


def _small_workbook(folder: Path) -> bytes:
    return _honest_xlsx(folder / "small.xlsx", 20_000).read_bytes()


def _laughing_workbook(folder: Path) -> bytes:
    good, sheet = _small_workbook(folder), "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(folder / "small.xlsx") as archive:
        xml = archive.read(sheet)
    doctype, reference = laughs("worksheet", 6)
    hostile = with_doctype(xml.replace("有限公司".encode(), reference.encode(), 1), doctype)
    return swapped(good, compressed(sheet, hostile))


def _white_space(gap: int) -> bytes:
    """About 1 MB of XML white space, one random kind of it per `gap` spaces (200: 182:1)."""
    rng = random.Random(gap)
    kinds = [b" ", b"\t", b"\n", b"\r"]
    return b"".join(rng.choice(kinds) + b" " * gap for _ in range(MB // (gap + 1)))


def _crowd(folder: Path) -> bytes:
    """Six times as many members as allowed, each empty."""
    empty = compressed("x", b"")
    crowd = [replace(empty, name=f"{i:06d}") for i in range(60_000)]
    return build_zip([*members_of(_small_workbook(folder)), *crowd])


CASES = [
    Case(
        "xlsx: workbook.xml says 200 B, inflates to 2 GB",
        "xlsx",
        lambda f: swapped(_small_workbook(f), repeated("xl/workbook.xml", bytes(MB), 2048, 200)),
        ZIP_BOMB,
    ),
    Case(
        "xlsx: the same, sizes declared honestly",
        "xlsx",
        lambda f: swapped(_small_workbook(f), repeated("xl/workbook.xml", bytes(MB), 2048)),
        ZIP_BOMB,
    ),
    Case(
        "xlsx: bzip2 member, 64 MB of zeros said to be 200 B",
        "xlsx",
        lambda f: swapped(
            _small_workbook(f),
            compressed("xl/workbook.xml", bytes(64 * MB), zipfile.ZIP_BZIP2, 200),
        ),
        DAMAGED,
    ),
    Case(
        "xlsx: XML white space at 182:1, 900 MB said to be 1 KB",
        "xlsx",
        lambda f: build_zip(
            [
                *members_of(_small_workbook(f)),
                repeated("xl/media/image1.xml", _white_space(200), 900, 1000),
            ]
        ),
        ZIP_BOMB,
    ),
    Case("xlsx: 60,000 empty members", "xlsx", _crowd, ZIP_BOMB),
    Case(
        "xlsx: a sheet declaring entities (10**6 'lol' in a cell)",
        "xlsx",
        lambda f: _laughing_workbook(f),
        UNSAFE,
    ),
    Case(
        "docx: word/document.xml says 1 KB, inflates to 1 GB",
        "docx",
        lambda f: build_zip(
            [
                compressed("[Content_Types].xml", b"<Types/>"),
                repeated("word/document.xml", b" " * MB, 1024, 1000),
            ]
        ),
        UNREADABLE,
    ),
    Case(
        "docx: DOCTYPE with entities, 1.5 MB",
        "docx",
        lambda f: billion_laughs_docx(levels=7, filler=800_000),
        UNSAFE,
    ),
]


def _honest_xlsx(path: Path, size: int) -> Path:
    """A real directory of about `size` bytes (some 86 bytes a row)."""
    from benchmarks.import_targets import generate

    if not path.exists():
        generate(path, max(size // 86, 10))
    return path


def _honest_docx(size: int) -> bytes:
    """A policy text of about `size` bytes (random 汉字 pack to about 1.8 bytes each)."""
    rng = random.Random(size)
    text = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(int(size / 1.8)))
    return docx_with(paragraphs_xml(*RULE, f"（二）说明。{text}"))


def read(kind: str, path: Path) -> None:
    """One reading, as the import or the upload does it; prints time, peak and the reason."""
    from bot.services.qa import DocumentProblem, document_title, read_document
    from bot.texts import Texts
    from storage import excel

    texts = Texts()
    started, cpu = time.perf_counter(), time.process_time()
    reason = ""
    if kind == "xlsx":
        try:
            sheet = excel.open_sheet(path, (), (), XLSX_LIMIT)
            sum(1 for _ in sheet.rows)
            sheet.close()
        except excel.SheetRejected as rejected:
            reason = texts.sheet_problem(rejected.problems[0])
    else:
        try:
            read_document(path.name, document_title(path.name), path.read_bytes())
        except DocumentProblem as problem:
            reason = texts.document_problem(problem.kind)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "reason": reason}))


def _measure(kind: str, path: Path) -> dict[str, Any]:
    return run_phase(
        "benchmarks.hostile_files", "--phase", "read", "--kind", kind, "--file", str(path)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase", choices=["read"])
    parser.add_argument("--kind", choices=["xlsx", "docx"])
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    if args.phase == "read":
        return read(args.kind, args.file)
    missed = False
    print(
        f"{'hostile file':<62} {'size':>8} {'refused in':>11} {'peak':>6} "
        f"{'honest file':>11} {'ratio':>5}"
    )
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for number, case in enumerate(CASES):
            hostile = folder / f"hostile{number}.{case.kind}"
            hostile.write_bytes(case.build(folder))
            size = hostile.stat().st_size
            honest = folder / f"honest{number}.{case.kind}"
            if case.kind == "xlsx":
                _honest_xlsx(honest, size)
            else:
                honest.write_bytes(_honest_docx(size))
            floor, mine = _measure(case.kind, honest), _measure(case.kind, hostile)
            ok = mine["reason"] == case.reason and mine["seconds"] < 5 and mine["peak_mb"] < 300
            missed |= not ok or floor["reason"] != ""
            print(
                f"{case.name:<62} {size / MB:>6.2f}MB {mine['seconds']:>5.2f}s "
                f"({mine['cpu']:.2f}) {mine['peak_mb']:>4.0f}MB {floor['seconds']:>10.2f}s "
                f"{mine['seconds'] / floor['seconds']:>5.2f}"
                + ("" if ok else f"  MISSED: {mine['reason']}")
            )
    print("refused in: wall seconds (CPU seconds); honest file: the same reader on an honest")
    print("file of about the same size; targets: each refused in < 5 s, peak < 300 MB, with")
    print("the usual reason")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
