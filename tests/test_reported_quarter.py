"""The quarter /export shows by default: the previous one while its statistics table is being
made (until its statistics window closes), then the current one."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import config_from_mapping
from spotcheck.deadlines import Quarter
from spotcheck.statistics import reported_quarter

CALENDAR = config_from_mapping({}).calendar.workdays()


@pytest.mark.parametrize(
    ("today", "quarter"),
    [
        (date(2024, 1, 1), "2023Q4"),  # New Year's Day: the window (01-02 … 01-04) is ahead
        (date(2024, 1, 4), "2023Q4"),  # its last day
        (date(2024, 1, 5), "2024Q1"),
        (date(2024, 3, 31), "2024Q1"),
        (date(2024, 4, 3), "2024Q1"),  # 2024Q1's window: 04-01 … 04-03
        (date(2024, 4, 7), "2024Q2"),  # a Sunday worked after 清明, but the window has closed
    ],
)
def test_the_quarter_being_reported_is_the_previous_one_until_its_window_closes(
    today: date, quarter: str
) -> None:
    assert reported_quarter(today, CALENDAR) == Quarter.parse(quarter)
