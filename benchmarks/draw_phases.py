"""Where a draw's time goes: the real code's steps timed by wrapping them, in the benchmark's
own process only (nothing of this is installed in the bot).

Each step's time is exclusive: a wrapped step called inside another (ranking inside the
record's computation) is counted for itself only. What no step covers (the plan row, the
lock, building the assignment rows …) is the rest: the total less the steps.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# (phase, module, attribute path in it): the draw's steps in the order a draw takes them.
STEPS = (
    ("load candidates + exclusions", "bot.services.draws", "_inputs"),
    ("plan", "spotcheck.record", "filter_candidates"),
    ("plan", "spotcheck.record", "plan_draw"),
    ("rank", "spotcheck.record", "draw_targets"),
    ("match", "spotcheck.record", "match_inspectors"),
    ("encode lists and record", "spotcheck.record", "_lists"),
    ("encode lists and record", "spotcheck.record", "EncodedRecord.canonical"),
    ("encode lists and record", "spotcheck.record", "EncodedRecord.compact"),
    # the body assembled around the steps above (strata and assignments as JSON …)
    ("encode lists and record", "bot.services.draws", "draw_record"),
    ("store record", "bot.services.draws", "_store"),
    ("insert assignments", "storage.draw_store", "insert_assignments"),
    ("pushes", "bot.services.draws", "enqueue_pushes"),
)
_INHERITED = object()
PHASES = tuple(dict.fromkeys([*(phase for phase, _, _ in STEPS), "commit"]))


class PhaseClock:
    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._inner: list[float] = []  # per open step: the time of the steps inside it
        self._wrapped: list[tuple[Any, str, Any]] = []  # (owner, attribute, original)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._inner.append(0.0)
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.seconds[name] += elapsed - self._inner.pop()
            if self._inner:
                self._inner[-1] += elapsed

    def wrap(self, owner: Any, attribute: str, name: str) -> None:
        """Time every call of ``owner.attribute`` as phase ``name``. A step that is gone
        (renamed) fails here, rather than its time slipping silently into the rest."""
        original = getattr(owner, attribute)
        timed: Any
        if inspect.iscoroutinefunction(original):

            @functools.wraps(original)
            async def timed(*args: Any, **kwargs: Any) -> Any:
                with self.phase(name):
                    return await original(*args, **kwargs)

        else:

            @functools.wraps(original)
            def timed(*args: Any, **kwargs: Any) -> Any:
                with self.phase(name):
                    return original(*args, **kwargs)

        self._wrapped.append((owner, attribute, vars(owner).get(attribute, _INHERITED)))
        setattr(owner, attribute, timed)

    def unwrap(self) -> None:
        while self._wrapped:
            owner, attribute, original = self._wrapped.pop()
            if original is _INHERITED:  # a method of the instance's class
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, original)


@contextmanager
def timed_draw(dialect: Any) -> Iterator[PhaseClock]:
    """A clock on the draw's steps and on the commits of ``dialect`` (the engine's) while
    the block runs."""
    clock = PhaseClock()
    try:
        for name, module, path in STEPS:
            owner: Any = importlib.import_module(module)
            *parents, attribute = path.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            clock.wrap(owner, attribute, name)
        clock.wrap(dialect, "do_commit", "commit")
        yield clock
    finally:
        clock.unwrap()
