"""The schedule, derived from the configuration at start — nothing pickled, nothing to lose.

APScheduler's AsyncIOScheduler runs inside the bot's event loop, in the configured time zone:
reporting reminders, assignments due soon, follow-up deadlines (责令整改) and results waiting
too long for review each morning at ``[reminders] send_at``, the leads' digest at
``digest_at``, county and city admins' weekly digests on ``weekly_day``. Every run asks the database
what is relevant now and queues it through the outbox with a ledger row; at start the same runs
happen once as catch-up, so what fell due while the bot was down goes out, and nothing goes out
twice. Daily at ``[retention] prune_at``, and once at start, finished bookkeeping past its
retention is deleted (bot/services/retention.py). Every few minutes, and at start, abandoned
form drafts are warned of and then expired (bot/services/draft_expiry.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import utcnow
from bot.config import WEEKDAYS
from bot.context import AppContext
from bot.services import (
    digests,
    draft_expiry,
    follow_ups,
    reporting,
    retention,
    review_reminders,
)

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


class Schedule:
    def __init__(self, ctx: AppContext, wake: Callable[[], None], clock: Clock = utcnow) -> None:
        self.ctx, self.wake, self.clock = ctx, wake, clock
        self.scheduler: AsyncIOScheduler | None = None

    async def _run(self, *jobs: Callable[[AppContext, datetime], Awaitable[int]]) -> int:
        queued = 0
        for job in jobs:
            try:
                queued += await job(self.ctx, self.clock())
            except Exception:  # one failing job must not stop the others or the schedule
                log.exception("scheduled job %s failed", job.__name__)
        if queued:
            self.wake()
        return queued

    async def morning(self) -> int:
        # The calendar check too: a bot running through New Year must warn of the new year.
        return await self._run(
            reporting.warn_unknown_calendar,
            reporting.send_reminders,
            digests.send_due_soon,
            follow_ups.send_reminders,  # issue 10: 责令整改 deadlines, overdue ones escalated
            review_reminders.send_reminders,  # issue 10: results waiting for review too long
        )

    async def lead_digests(self) -> int:
        return await self._run(digests.send_lead_digests)

    async def county_digests(self) -> int:
        return await self._run(digests.send_county_digests)

    async def prune(self) -> int:
        """Delete finished bookkeeping past its retention; the number of rows deleted."""
        try:
            pruned = await retention.prune(self.ctx, self.clock())
        except Exception:  # tomorrow's run tries again; nothing is lost by waiting
            log.exception("pruning past the retention failed")
            return 0
        log.info("pruned past the retention: %s", pruned)
        return pruned.total

    async def drafts(self) -> int:
        """Warn the holders of idle drafts, expire the abandoned ones; the messages queued."""
        return await self._run(draft_expiry.lapse_drafts)

    async def catch_up(self) -> int:
        """At start: the reminders relevant now and not sent yet (the ledger knows) — the
        morning run, whenever the start happens."""
        return await self.morning()

    async def catch_up_digests(self) -> int:
        """At start: a digest whose time has come in this period and that was missed (the bot
        was down at 08:30, or on the weekly day) goes out now; one not due yet waits."""
        local = self.clock().astimezone(self.ctx.config.timezone)
        times = self.ctx.config.reminders
        jobs = []
        if local.time() >= times.digest_at:
            jobs.append(digests.send_lead_digests)
        weekly = WEEKDAYS.index(times.weekly_day)
        if local.weekday() > weekly or (
            local.weekday() == weekly and local.time() >= times.digest_at
        ):
            jobs.append(digests.send_county_digests)
            jobs.append(digests.send_city_digests)  # issue 11: charts
        return await self._run(*jobs)

    def start(self) -> None:
        config = self.ctx.config
        zone, times = config.timezone, config.reminders
        scheduler = AsyncIOScheduler(timezone=zone, event_loop=asyncio.get_running_loop())
        options = {"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1}
        scheduler.add_job(
            self.morning,
            CronTrigger(hour=times.send_at.hour, minute=times.send_at.minute, timezone=zone),
            id="morning",
            **options,
        )
        scheduler.add_job(
            self.lead_digests,
            CronTrigger(hour=times.digest_at.hour, minute=times.digest_at.minute, timezone=zone),
            id="lead_digests",
            **options,
        )
        scheduler.add_job(
            self.county_digests,
            CronTrigger(
                day_of_week=times.weekly_day,
                hour=times.digest_at.hour,
                minute=times.digest_at.minute,
                timezone=zone,
            ),
            id="county_digests",
            **options,
        )
        scheduler.add_job(  # issue 11: charts — the city admins' weekly digest, beside it
            self.city_digests,
            CronTrigger(
                day_of_week=times.weekly_day,
                hour=times.digest_at.hour,
                minute=times.digest_at.minute,
                timezone=zone,
            ),
            id="city_digests",
            **options,
        )
        prune_at = config.retention.prune_at
        scheduler.add_job(
            self.prune,
            CronTrigger(hour=prune_at.hour, minute=prune_at.minute, timezone=zone),
            id="prune",
            **options,
        )
        scheduler.add_job(  # first at start: what lapsed while the bot was down (warned first)
            self.drafts,
            IntervalTrigger(minutes=draft_expiry.SWEEP_MINUTES, timezone=zone),
            id="drafts",
            next_run_time=datetime.now(zone),
            **options,
        )
        scheduler.start()
        self.scheduler = scheduler

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    # --- issue 11: charts ---

    async def city_digests(self) -> int:
        return await self._run(digests.send_city_digests)
