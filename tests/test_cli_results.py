"""`shuangsuiji results` and `shuangsuiji evidence verify` on a database with real photos."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import load_config
from bot.context import AppContext
from spotcheck.inspection import EvidenceSource
from storage.evidence_store import PhotoLimits, evidence_path, inspect_image, store
from storage.result_store import add_evidence, save_result
from tests.evidence_images import exif_of, jpeg, png
from tests.factories import run_cli, run_cli_failing
from tests.factories_results import assignment, result_input

TAKEN = datetime(2026, 11, 3, 9, 30, 5)


async def _inspected(evidence_dir: Path) -> tuple[int, list[Path]]:
    """One submitted result with two photos (one with EXIF, sent as a file) on disk."""
    ctx = await AppContext.open(load_config(None))
    paths = []
    try:
        async with ctx.sessions.begin() as session:
            task = await assignment(session)
            sent = [
                (jpeg(exif=exif_of(TAKEN, 38.87, 115.46)), EvidenceSource.DOCUMENT, "危废间"),
                (png(), EvidenceSource.PHOTO, ""),
            ]
            for data, source, note in sent:
                facts = inspect_image(data, PhotoLimits())
                paths.append(store(data, facts, evidence_dir))
                await add_evidence(
                    session, task.id, facts, source=source, received_by="13060001", note=note
                )
            await save_result(session, result_input(task.id))
        return task.id, paths
    finally:
        await ctx.close()


def test_results_json_prints_everything_recorded(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task_id, paths = asyncio.run(_inspected(Path("evidence")))
    code, lines = run_cli(capsys, "results", "--json")
    assert code == 0
    [result] = json.loads("\n".join(lines))
    assert result["assignment_id"] == task_id
    assert (result["state"], result["category"]) == ("submitted", "problem_rectified")
    assert len(result["credit_code"]) == 18
    assert result["items"][1] == {"item_code": "HB-002", "answer": "problem", "note": "标识缺失"}
    assert result["findings"] == "危废暂存间未设置标识"
    assert result["checkin"]["distance_m"] == 152.5
    assert result["checkin"]["flagged"] is False
    first, second = result["evidence"]
    assert first["sha256"] == paths[0].stem
    assert first["bytes"] == paths[0].stat().st_size
    assert (first["source"], first["exif_time"], first["note"]) == (
        "document",
        "2026-11-03T09:30:05",
        "危废间",
    )
    assert first["exif_gps"] == pytest.approx([38.87, 115.46])
    assert (second["source"], second["exif_gps"], second["exif_time"]) == ("photo", None, None)
    assert [f["kind"] for f in result["follow_ups"]] == ["rectify", "transfer"]
    assert result["follow_ups"][0]["deadline"] == "2026-11-18"
    assert result["submitted_by"] == "13060001"
    assert result["submitted_at"]


def test_results_filters_by_quarter_and_region(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_inspected(Path("evidence")))
    assert run_cli(capsys, "results", "--json", "--quarter", "2026Q3") == (0, ["[]"])
    assert run_cli(capsys, "results", "--json", "--region", "130681") == (0, ["[]"])
    code, lines = run_cli(capsys, "results", "--quarter", "2026Q4", "--region", "130602")
    assert code == 0
    assert lines[0].startswith("结果 1 · 任务 1 · 2026Q4 · ")
    assert "  结论：发现问题已责令改正" in lines
    assert "  事项 HB-002：发现问题（标识缺失）" in lines
    assert "  证据：2 份（照片 1，原图文件 1）" in lines
    assert "  后续处理：责令整改，期限 2026-11-18" in lines


def test_results_says_when_there_are_none(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "results") == (0, ["没有符合条件的检查结果。"])


def test_evidence_verify_passes_then_names_altered_and_missing_files(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, paths = asyncio.run(_inspected(Path("evidence")))
    assert run_cli(capsys, "evidence", "verify") == (
        0,
        ["证据文件完好：2 份，哈希均与数据库一致。"],
    )

    altered = paths[0]
    altered.write_bytes(altered.read_bytes().replace(b"ShuangsuijiTestCam", b"ShuangsuijiTestCaM"))
    code, errors = run_cli_failing(capsys, "evidence", "verify")
    assert code == 1
    assert errors == [
        f"已被改动（哈希不符）：{altered}",
        "证据文件核验未通过：共 2 份，缺失 0 份，被改动 1 份。",
    ]

    paths[1].unlink()
    code, errors = run_cli_failing(capsys, "evidence", "verify")
    assert code == 1
    assert f"缺失：{paths[1]}" in errors
    assert errors[-1] == "证据文件核验未通过：共 2 份，缺失 1 份，被改动 1 份。"


def test_evidence_verify_reads_the_configured_directory(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "vault"
    _, paths = asyncio.run(_inspected(elsewhere))
    assert paths[0] == evidence_path(elsewhere, paths[0].stem, "jpeg")
    config = tmp_path / "vault.toml"
    config.write_text(f'[storage]\nevidence_dir = "{elsewhere}"\n', encoding="utf-8")
    assert run_cli(capsys, "--config", str(config), "evidence", "verify")[0] == 0
    assert run_cli_failing(capsys, "evidence", "verify")[0] == 1  # ./evidence has none of them
