"""What every entry point needs: the config, a database engine and session factory, texts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Config
from bot.texts import Texts, texts_for
from storage.database import PointReads, PointWrites, create_engine, session_factory
from storage.migrate import upgrade_database
from storage.write_gate import WriteGate


@dataclass
class AppContext:
    config: Config
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    texts: Texts
    point_reads: PointReads
    point_writes: PointWrites

    @classmethod
    async def open(cls, config: Config, migrate: bool = True) -> AppContext:
        """Connect and bring the schema up to date (idempotent, so every command may do it)."""
        engine = create_engine(config.database_url)
        if migrate:
            await upgrade_database(engine)
        gate = WriteGate() if engine.url.get_backend_name() == "sqlite" else None
        return cls(
            config,
            engine,
            session_factory(engine, gate),
            texts_for("zh"),
            PointReads(engine),
            PointWrites(engine, gate),
        )

    async def close(self) -> None:
        self.point_reads.dispose()
        self.point_writes.dispose()
        await self.engine.dispose()
