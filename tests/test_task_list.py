"""The /tasks list fits one Telegram message however many tasks an inspector has."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.texts import texts_for
from spotcheck.states import TaskState

TELEGRAM_LIMIT = 4096


def _tasks(
    count: int, name_length: int, char: str = "企"
) -> list[tuple[int, str, str, str, TaskState, bool]]:
    return [
        (1000 + i, "2026Q4", char * name_length, "2026-12-31", TaskState.TO_ACCEPT, i % 3 == 0)
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


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # Telegram counts UTF-16 code units


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 400), st.integers(1, 200), st.sampled_from(["企", "𠀋"]))
def test_every_list_fits_and_is_cut_only_where_the_next_task_would_not(
    count: int, name_length: int, char: str
) -> None:
    """Names of ordinary characters, and of characters beyond the BMP (two units each)."""
    texts = texts_for("zh")
    tasks = _tasks(count, name_length, char)
    text = texts.tasks_list(tasks)
    assert _units(text) <= TELEGRAM_LIMIT
    listed = sum("/task_" in line for line in text.split("\n"))
    lines = [texts.task_line(i, *t) for i, t in enumerate(tasks, 1)]
    if _units("\n".join([texts.tasks_head(), *lines, texts.tasks_hint()])) <= texts.TASKS_LIMIT:
        assert listed == count  # what fits whole is shown whole
    if listed < count:
        following = texts.task_line(listed + 1, *tasks[listed])
        assert _units(text) + _units(following) + 1 > texts.TASKS_LIMIT - 10
