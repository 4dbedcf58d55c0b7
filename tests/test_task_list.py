"""The /tasks list fits one Telegram message however many tasks an inspector has."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.texts import texts_for

TELEGRAM_LIMIT = 4096


def _tasks(count: int, name_length: int) -> list[tuple[int, str, str, str, str, bool]]:
    return [
        (1000 + i, "2026Q4", "企" * name_length, "2026-12-31", "assigned", i % 3 == 0)
        for i in range(count)
    ]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_long_list_shows_the_earliest_tasks_and_counts_the_rest(language: str) -> None:
    texts = texts_for(language)
    tasks = _tasks(300, 60)
    text = texts.tasks_list(tasks)
    lines = text.split("\n")
    listed = [line for line in lines if "/task_" in line]
    assert len(text) <= TELEGRAM_LIMIT
    assert 0 < len(listed) < 300
    assert listed == [texts.task_line(i, *t) for i, t in enumerate(tasks[: len(listed)], 1)]
    assert lines[0] == texts.tasks_head() and lines[-1] == texts.tasks_hint()
    assert lines[-2] == texts.tasks_more(300 - len(listed))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 400), st.integers(1, 200))
def test_every_list_fits_and_nothing_short_is_cut(count: int, name_length: int) -> None:
    texts = texts_for("zh")
    text = texts.tasks_list(_tasks(count, name_length))
    assert len(text) <= TELEGRAM_LIMIT
    listed = sum("/task_" in line for line in text.split("\n"))
    if len(text) + len(texts.tasks_more(count)) < texts.TASKS_LIMIT - 300:
        assert listed == count  # a list with room to spare is whole
