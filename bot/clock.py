"""The bot's one clock: the moment is UTC (storage.models.utcnow, which rows are stamped with),
the day is the configured time zone's. The running bot reads the moment through its schedule
(BotData.schedule.clock, which tests set); the command line reads it here."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from storage.models import utcnow

__all__ = ["local_date", "today_in", "utcnow"]


def local_date(moment: datetime, zone: tzinfo) -> date:
    """The day ``moment`` falls on in ``zone``."""
    return moment.astimezone(zone).date()


def today_in(zone: tzinfo) -> date:
    """Today in ``zone``, now."""
    return local_date(utcnow(), zone)
