"""Pruning after the configured retention: finished outbox rows, handled update ids and
strangers go; anything still to send, and anything recent, stays."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import ConfigError, RetentionConfig, config_from_mapping, load_config
from bot.context import AppContext
from bot.services import identity, outbox, retention
from storage.bot_models import HandledUpdate, OutboxMessage, Stranger
from tests.conftest import make_config

NOW = datetime(2026, 11, 29, 3, 30, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


async def test_pruning_deletes_old_finished_rows_and_keeps_pending_and_recent_ones(
    ctx: AppContext,
) -> None:
    # the defaults: outbox 30 days, handled updates 7 days, strangers 90 days
    rows = {
        "old sent": ("sent", days_ago(31)),
        "old failed": ("failed", days_ago(45)),
        "old pending": ("pending", days_ago(400)),  # a chat backing off, or a bot long down
        "old sending": ("sending", days_ago(400)),
        "recent sent": ("sent", days_ago(29)),
        "recent failed": ("failed", days_ago(1)),
    }
    async with ctx.sessions() as session, session.begin():
        for text, (state, created) in rows.items():
            row = outbox.message(1, text)
            row.state, row.created_at = state, created
            session.add(row)
        session.add_all(
            [
                HandledUpdate(update_id=1, handled_at=days_ago(8)),
                HandledUpdate(update_id=2, handled_at=days_ago(6)),
                Stranger(user_id=10, first_seen=days_ago(91)),
                Stranger(user_id=11, first_seen=days_ago(89)),
            ]
        )

    pruned = await retention.prune(ctx, NOW)

    assert pruned == retention.Pruned(outbox=2, handled_updates=1, strangers=1)
    async with ctx.sessions() as session:
        left = list(await session.scalars(select(OutboxMessage.payload)))
        updates = set(await session.scalars(select(HandledUpdate.update_id)))
        strangers = set(await session.scalars(select(Stranger.user_id)))
    assert {p["text"] for p in left} == {
        "old pending",
        "old sending",
        "recent sent",
        "recent failed",
    }
    assert (updates, strangers) == ({2}, {11})
    assert await retention.prune(ctx, NOW) == retention.Pruned(0, 0, 0)


async def test_retention_follows_the_configuration(database_url: str) -> None:
    config = make_config(
        database_url, retention={"outbox_days": 2, "handled_updates_days": 2, "strangers_days": 1}
    )
    ctx = await AppContext.open(config, migrate=False)
    try:
        async with ctx.sessions() as session, session.begin():
            for age in (1, 3):
                row = outbox.message(1, f"{age} days")
                row.state, row.created_at = "sent", days_ago(age)
                session.add(row)
            session.add(HandledUpdate(update_id=1, handled_at=days_ago(3)))
            session.add(Stranger(user_id=10, first_seen=days_ago(2)))
        assert await retention.prune(ctx, NOW) == retention.Pruned(1, 1, 1)
    finally:
        await ctx.close()


async def test_a_stranger_pruned_after_the_retention_is_refused_once_more(
    ctx: AppContext,
) -> None:
    """One refusal per stranger per retention period: the second contact is ignored, and so
    is every contact until the retention has passed; then he is refused once again."""
    assert await identity.first_contact(ctx, 4242) is True
    assert await identity.first_contact(ctx, 4242) is False
    first_seen = await _first_seen(ctx, 4242)

    await retention.prune(ctx, first_seen + timedelta(days=89))
    assert await identity.first_contact(ctx, 4242) is False
    await retention.prune(ctx, first_seen + timedelta(days=91))
    assert await identity.first_contact(ctx, 4242) is True
    assert await identity.first_contact(ctx, 4242) is False


async def _first_seen(ctx: AppContext, user_id: int) -> datetime:
    async with ctx.sessions() as session:
        seen = await session.scalar(select(Stranger.first_seen).where(Stranger.user_id == user_id))
    assert seen is not None
    return seen if seen.tzinfo else seen.replace(tzinfo=UTC)


def test_retention_defaults_and_the_example_configuration() -> None:
    assert config_from_mapping({}).retention == RetentionConfig(30, 7, 90, time(3, 30))
    example = Path(__file__).parent.parent / "config.example.toml"
    assert load_config(example, environ={}).retention == RetentionConfig()


@pytest.mark.parametrize(
    ("key", "value"),
    [("handled_updates_days", 1), ("outbox_days", 0), ("strangers_days", "90"), ("prune_at", "3h")],
)
def test_a_retention_too_short_or_malformed_is_refused_naming_the_key(
    key: str, value: object
) -> None:
    """Telegram redelivers an update for up to 24 hours: its id is kept at least two days."""
    with pytest.raises(ConfigError, match=rf"\[retention\] {key}"):
        config_from_mapping({"retention": {key: value}})
