"""What the Application holds for its handlers, typed.

PTB's ContextTypes make ``context.bot_data`` a :class:`BotData` and ``context.user_data`` a
:class:`UserData`, so a handler's dependencies are attributes that mypy checks, not string keys
into a dict. PTB creates both with no arguments; bot.wiring.build_application fills every
dependency of BotData before the Application runs, so a handler reads them without a check.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.context import AppContext
from bot.knowledge.retrieval import PolicyIndex
from bot.services.handled import HandledUpdates
from bot.services.identity import Person
from bot.services.outbox import OutboxSender
from bot.services.qa import PolicyLibrary
from scheduler.jobs import Schedule


@dataclass(frozen=True)
class Background:
    """The tasks the bot starts beside the updates (bot.wiring.start_background)."""

    catch_up: asyncio.Task[int]  # the morning run, once at start
    digest_catch_up: asyncio.Task[int]  # a digest that fell due while the bot was down
    prune: asyncio.Task[int]  # bookkeeping past its retention, once at start
    library: asyncio.Task[PolicyIndex]  # the policy index, built before the first question
    outbox: asyncio.Task[None]  # the sender, until stopped
    handled: asyncio.Task[None]  # saves the ids of handled updates, until stopped

    async def started(self) -> None:
        """Until the start-up work is done: the catch-up runs and the policy index."""
        await asyncio.gather(self.catch_up, self.digest_catch_up, self.library)

    def in_stop_order(self) -> tuple[asyncio.Task[Any], ...]:
        """The runs that end on their own first, then the sender and the ledger of updates."""
        return (
            self.catch_up,
            self.digest_catch_up,
            self.prune,
            self.library,
            self.outbox,
            self.handled,
        )


class BotData:
    """The bot's services, one instance per Application."""

    ctx: AppContext
    outbox: OutboxSender  # wake() it after queueing messages
    handled: HandledUpdates  # which updates were handled already (Telegram may resend)
    library: PolicyLibrary  # the policy documents /ask searches
    schedule: Schedule  # reminders and digests; its clock is the bot's one clock

    def __init__(self) -> None:
        self.error_chat: int | None = None  # the chat that receives error reports, if any
        self.background: Background | None = None  # set while the Application runs


class UserData:
    """Per Telegram user: the bound person the guard found for the update being handled."""

    def __init__(self) -> None:
        self.person: Person | None = None


ChatData: TypeAlias = dict[Any, Any]  # unused: forms keep their state in the database
Context: TypeAlias = CallbackContext[ExtBot[None], UserData, ChatData, BotData]
# No PTB JobQueue: the schedule is our own APScheduler (scheduler/jobs.py).
App: TypeAlias = Application[ExtBot[None], Context, UserData, ChatData, BotData, None]


def context_types() -> ContextTypes[Context, UserData, ChatData, BotData]:
    return ContextTypes(bot_data=BotData, user_data=UserData)
