"""Records that point to their lists (issue 17): each canonical candidate list stored once by
its SHA-256, named by the records; encoded once per state of the targets directory; a record
published whole verifies with nothing else, and a list tampered with fails at its hash. On
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.config import config_from_mapping
from bot.context import AppContext
from bot.services import draws
from bot.services.demo import load_demo_directory
from bot.services.draws import DrawRequest
from spotcheck.classes import SupervisionClass
from spotcheck.quota import Level
from spotcheck.record import verify_record
from storage import list_store
from storage.draw_models import CandidateList, DrawRecord, ListCache
from storage.models import Target
from tests.factories import run_cli, run_cli_failing

QUARTER = "2026Q4"


def _request(cls: SupervisionClass, seed: str = "2026-10-08 双色球 03 11 19") -> DrawRequest:
    return DrawRequest(
        QUARTER, Level.COUNTY, "测试管理员", region="130602", supervision_class=cls, seed_text=seed
    )


async def _stored_lists(ctx: AppContext, kind: str) -> int:
    async with ctx.sessions() as session:
        found = await session.scalar(
            select(func.count()).select_from(CandidateList).where(CandidateList.kind == kind)
        )
    return int(found or 0)


async def test_two_draws_of_one_directory_state_share_one_stored_targets_list(
    ctx: AppContext,
) -> None:
    await load_demo_directory(ctx)
    special = await draws.execute(ctx, _request(SupervisionClass.SPECIAL))
    key = await draws.execute(ctx, _request(SupervisionClass.KEY))
    assert special.record["targets_sha256"] == key.record["targets_sha256"]
    assert await _stored_lists(ctx, "targets") == 1
    async with ctx.sessions() as session:
        bodies = (await session.scalars(select(DrawRecord.body))).all()
        cached = (await session.scalars(select(ListCache.scope))).all()
    # the records name their lists, they do not carry them
    assert all("targets" not in json.loads(b) and "inspectors" not in json.loads(b) for b in bodies)
    assert cached == ["130602"]
    for outcome in (special, key):
        assert verify_record(await draws.load_record(ctx, outcome.record_id)).ok


async def test_a_change_to_the_directory_gives_the_next_draw_a_new_list(ctx: AppContext) -> None:
    await load_demo_directory(ctx)
    first = await draws.execute(ctx, _request(SupervisionClass.SPECIAL))
    async with ctx.sessions() as session, session.begin():
        before = await list_store.targets_version(session)
        code = await session.scalar(
            select(Target.credit_code).where(Target.region_code == "130602").limit(1)
        )
        await session.execute(
            update(Target).where(Target.credit_code == code).values(name="改名后的企业有限公司")
        )
    async with ctx.sessions() as session:
        assert await list_store.targets_version(session) > before  # a trigger, not our code
    second = await draws.execute(ctx, _request(SupervisionClass.KEY))
    assert second.record["targets_sha256"] != first.record["targets_sha256"]
    assert await _stored_lists(ctx, "targets") == 2
    published = await draws.load_record(ctx, second.record_id)
    assert "改名后的企业有限公司" in {t["name"] for t in published["targets"]}
    assert verify_record(published).ok


def test_an_exported_record_verifies_alone_and_a_tampered_list_fails_at_its_hash(
    database: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def drawn() -> int:
        config = config_from_mapping({"database": {"url": f"sqlite:///{database}"}})
        ctx = await AppContext.open(config)
        try:
            await load_demo_directory(ctx)
            return (await draws.execute(ctx, _request(SupervisionClass.KEY))).record_id
        finally:
            await ctx.close()

    record_id = asyncio.run(drawn())
    out = tmp_path / "export.json"
    assert run_cli(capsys, "draw", "export", str(record_id), "--out", str(out))[0] == 0
    # somewhere else, with a database that does not exist
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{elsewhere / 'nothing' / 'none.db'}")
    code, _ = run_cli(capsys, "verify", str(out))
    assert code == 0
    assert not (elsewhere / "nothing").exists()
    body = json.loads(out.read_bytes())
    body["targets"][0]["name"] = "篡改后的名称"
    tampered = elsewhere / "tampered.json"
    tampered.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    code, lines = run_cli_failing(capsys, "verify", str(tampered))
    assert code == 1
    assert "targets_sha256" in "\n".join(lines)
