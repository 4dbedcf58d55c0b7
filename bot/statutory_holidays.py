"""China's statutory holidays (法定节假日) of a year, as the holidays package computes them:
the fixed and the lunar ones, and the weekday off the law gives for one falling on a weekend.
Used only for years the official calendar (chinesecalendar) does not know yet; the make-up
working days (调休) are not in it, so such a year stays provisional."""

from __future__ import annotations

import functools
from datetime import date

import holidays


@functools.cache
def statutory_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("CN", years=year))
