"""Shared fixtures: a migrated database per test, on SQLite and (when TEST_DATABASE_URL is set)
on PostgreSQL, so every storage test runs on both engines."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import Config, config_from_mapping
from bot.context import AppContext
from storage.database import async_url, create_engine
from storage.migrate import upgrade_database

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="TEST_DATABASE_URL is not set")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    await upgrade_database(engine)
    await engine.dispose()


# Session templates are built synchronously: each test runs in its own event loop.
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test: migrating per test would be slow."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database used as CREATE DATABASE … TEMPLATE for each test."""
    if not POSTGRES_URL:
        yield ""
        return
    name = f"shuangsuiji_tpl_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    asyncio.run(_migrate(_database(name)))
    yield name
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _database(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


async def _admin(statement: str) -> None:
    engine = create_async_engine(async_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


@asynccontextmanager
async def fresh_database(
    engine: str, tmp_path: Path, sqlite_template: Path, postgres_template: str, label: str = "t"
) -> AsyncIterator[str]:
    """A migrated, empty database on ``engine`` ("sqlite" or "postgresql"), dropped afterwards."""
    if engine == "sqlite":
        path = tmp_path / f"{label}.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    name = f"shuangsuiji_{label}_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    try:
        yield _database(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=ENGINES)
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, postgres_template: str
) -> AsyncIterator[str]:
    async with fresh_database(request.param, tmp_path, sqlite_template, postgres_template) as url:
        yield url


def make_config(database_url: str, **sections: dict[str, object]) -> Config:
    return config_from_mapping({"database": {"url": database_url}, **sections})


@pytest.fixture
async def ctx(database_url: str) -> AsyncIterator[AppContext]:
    context = await AppContext.open(make_config(database_url), migrate=False)
    yield context
    await context.close()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """DATABASE_URL at a fresh file; the working directory has no config.toml to read."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    path = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    return path
