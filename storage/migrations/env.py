"""Alembic environment: runs on a connection handed over by storage.migrate (the usual path),
or on its own async engine when someone runs the alembic command by hand."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import storage.bot_models
import storage.draft_models
import storage.draw_models
import storage.result_models
import storage.schedule_models  # noqa: F401  (registers the scheduler tables on the metadata)
from storage.database import create_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(run_on)
    await engine.dispose()


given = config.attributes.get("connection")
if given is not None:
    run_on(given)
else:
    asyncio.run(run_standalone(config.get_main_option("sqlalchemy.url") or ""))
