"""The database of the commands that use one, opened (and brought up to date) only by them:
`template`, `deadlines`, `verify FILE` and `ask` work where no database exists, and create
none."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Config
from bot.context import AppContext


class DatabaseUnavailable(Exception):
    pass


@asynccontextmanager
async def database(config: Config) -> AsyncIterator[AppContext]:
    try:
        ctx = await AppContext.open(config)
    except (OSError, SQLAlchemyError) as error:
        raise DatabaseUnavailable(str(error).splitlines()[0]) from error
    try:
        yield ctx
    finally:
        await ctx.close()
