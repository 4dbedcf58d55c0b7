"""A chat form declared as data, and the pure engine that asks, validates, reviews and edits it.

As XLSForm does it: each question names its input kind, a prompt, its options, a validation, a
``relevant`` condition (skip logic over the answers so far) and a label for the review screen.
The engine knows no Telegram and no SQL: answers are a plain JSON-able dict (stored in a JSON
column), and every text is a catalogue key the bot layer renders.

Answers hold three sorts of entries:

- givens, supplied when the form starts (``start``): the list a repeated question walks (an
  assignment's inspection items), the check day, whether the target has coordinates …;
- answers, keyed by question key; a question repeated per item has one instance per item,
  keyed ``<key>.<index>`` (the index into the given list, so keys stay short);
- pending input of a question still being filled (the toggled choices of a MULTI, the photos
  of a PHOTOS so far), keyed ``~<key>``: not an answer until 完成.

Every callable of a question takes the answers and the item the instance stands for (None for a
question that is not repeated), so a repeated question's note can depend on its own item.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from spotcheck.numerals import parse_decimal

Answers = dict[str, Any]
View = Mapping[str, Any]
PENDING = "~"
DONE = "done"  # the 完成 button of MULTI and PHOTOS
SKIP = "skip"  # the 跳过/无 button of a question that is not required


class InputKind(StrEnum):
    BUTTONS = "buttons"  # one closed choice
    MULTI = "multi"  # several choices toggled, then 完成
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"  # quick buttons (+N days from a given day) or a typed date
    LOCATION = "location"  # a location, or one of its options (无法定位)
    PHOTOS = "photos"  # accumulated until 完成


@dataclass(frozen=True)
class Item:
    """One element of a list a question is repeated over (an inspection item)."""

    index: int
    code: str
    name: str


Predicate = Callable[[View, Item | None], bool]
Check = Callable[[Any, View, Item | None], str | None]  # value → reason key, or None if fine


def always(_answers: View, _item: Item | None) -> bool:
    return True


@dataclass(frozen=True)
class Option:
    """A button: the short code stored (and carried in callback data) and its catalogue key."""

    code: str
    label_key: str


@dataclass(frozen=True)
class Question:
    key: str
    kind: InputKind
    prompt_key: str
    label_key: str
    options: tuple[Option, ...] = ()
    required: bool | Predicate = True
    validate: Check | None = None
    relevant: Predicate = always
    # Answers this one depends on: editing one of them drops this answer, so it is asked
    # again. A key of a repeated question means the same item's instance when this question
    # is repeated over the same list, else every instance.
    depends_on: tuple[str, ...] = ()
    repeat_over: str | None = None  # the given list this question is asked once per item of
    offered: Callable[[View, Item | None, Option], bool] | None = None  # options shown now
    max_chars: int = 200  # TEXT
    min_photos: Callable[[View], int] | None = None  # PHOTOS; default 1 if required else 0
    date_base: str | None = None  # DATE: the given (ISO date) the quick buttons count from
    minimum: int | None = None  # NUMBER
    maximum: int | None = None  # NUMBER
    item: Item | None = None  # set on a repeated question's instances
    template: str = ""  # an instance's template key ("" when not repeated)


@dataclass(frozen=True)
class Form:
    kind: str  # draw | recusal | import | inspection …
    questions: tuple[Question, ...]
    givens: tuple[str, ...] = ()
    # The expanded questions by the lists they were expanded over: every step expands them,
    # and a list given at start does not change.
    _expanded: dict[tuple[Any, ...], tuple[Question, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # The lists expanded last and their expansion: most steps expand the same lists again,
    # and comparing them is cheaper than making them a key.
    _last: list[tuple[list[Any], tuple[Question, ...]]] = field(
        default_factory=list, compare=False, repr=False
    )

    def template(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)


@dataclass(frozen=True)
class Answer:
    value: Any  # JSON-able


@dataclass(frozen=True)
class Invalid:
    reason_key: str
    detail: dict[str, Any] = field(default_factory=dict)


class ReviewLine(NamedTuple):
    label_key: str
    shown: str | tuple[str, ...]  # the answer as text, or the label keys of the options chosen
    key: str  # the question (instance) key, for 修改
    item: str = ""  # the item's name, for a repeated question


# ---- the questions in force -------------------------------------------------------------


def items_of(answers: View, given: str) -> list[Item]:
    """The list given at start: ``[[code, name], …]`` in the answers."""
    raw = answers.get(given) or []
    return [Item(i, str(code), str(name)) for i, (code, name) in enumerate(raw)]


EXPANSIONS_KEPT = 256


def instances(form: Form, answers: View) -> tuple[Question, ...]:
    """Every question in asking order, repeated questions expanded per item; consecutive
    templates repeated over the same list are asked together for each item."""
    given = [answers.get(q.repeat_over) for q in form.questions if q.repeat_over is not None]
    if form._last and form._last[0][0] == given:
        return form._last[0][1]
    lists = tuple(tuple(tuple(entry) for entry in g or ()) for g in given)
    found = form._expanded.get(lists)
    if found is None:
        if len(form._expanded) >= EXPANSIONS_KEPT:
            form._expanded.clear()
        found = form._expanded[lists] = tuple(_expand(form, answers))
    form._last[:] = [(copy.deepcopy(given), found)]  # a copy: answers may change later
    return found


def _expand(form: Form, answers: View) -> Iterator[Question]:
    templates = form.questions
    i = 0
    while i < len(templates):
        question = templates[i]
        if question.repeat_over is None:
            yield question
            i += 1
            continue
        group = [question]
        while (
            i + len(group) < len(templates)
            and templates[i + len(group)].repeat_over == question.repeat_over
        ):
            group.append(templates[i + len(group)])
        for item in items_of(answers, question.repeat_over):
            for template in group:
                yield replace(
                    template, key=f"{template.key}.{item.index}", item=item, template=template.key
                )
        i += len(group)


def find(form: Form, answers: View, key: str) -> Question | None:
    """The question (instance) with this key, or None: keys from callbacks are not trusted."""
    return next((q for q in instances(form, answers) if q.key == key), None)


def is_relevant(question: Question, answers: View) -> bool:
    return question.relevant(answers, question.item)


def is_required(question: Question, answers: View) -> bool:
    required = question.required
    return required if isinstance(required, bool) else required(answers, question.item)


def next_question(form: Form, answers: View, *, settled: bool = False) -> Question | None:
    """The first relevant question not answered yet; None when the review screen is next.
    An answer whose question is not relevant counts as no answer (as in XLSForm), so a stale
    answer never makes another question relevant. ``settled``: the answers came from
    :func:`settle` already (it is the costly part; the caller need not pay it twice)."""
    if not settled:
        answers = settle(form, answers)
    for question in instances(form, answers):
        if question.key not in answers and is_relevant(question, answers):
            return question
    return None


def options(question: Question, answers: View) -> tuple[Option, ...]:
    """The buttons to offer now: the options it allows, plus 跳过 when it is not required
    (for TEXT, NUMBER, DATE and LOCATION; MULTI and PHOTOS accept an empty 完成)."""
    offered = tuple(
        o
        for o in question.options
        if question.offered is None or question.offered(answers, question.item, o)
    )
    skippable = question.kind in (
        InputKind.TEXT,
        InputKind.NUMBER,
        InputKind.DATE,
        InputKind.LOCATION,
    )
    if skippable and not is_required(question, answers):
        offered += (Option(SKIP, "form.skip"),)
    return offered


def _offers(question: Question, answers: View, code: str) -> bool:
    """Whether ``code`` is among :func:`options` now, asking only about that one option (a
    stored answer is re-checked on every step; the other options need not be)."""
    option = next((o for o in question.options if o.code == code), None)
    if option is None:
        return False
    return question.offered is None or question.offered(answers, question.item, option)


# ---- accepting an answer ----------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


def accept(
    question: Question, raw: object, answers: View, today: date | None = None
) -> Answer | Invalid:
    """The raw input (a button's code, a text, a Location, a list of codes or photo references
    on 完成) as the stored answer, or why it is refused."""
    parsed = _parse(question, raw, answers, today)
    if isinstance(parsed, Invalid):
        return parsed
    if question.validate is not None and parsed.value not in ("", None):
        reason = question.validate(parsed.value, answers, question.item)
        if reason is not None:
            return Invalid(reason)
    return parsed


def _parse(question: Question, raw: object, answers: View, today: date | None) -> Answer | Invalid:
    kind = question.kind
    codes = {o.code for o in options(question, answers)}
    if raw == SKIP and SKIP in codes:
        return Answer("")
    if kind is InputKind.BUTTONS:
        return Answer(raw) if isinstance(raw, str) and raw in codes else Invalid("form.pick")
    if kind is InputKind.MULTI:
        if not isinstance(raw, list | tuple) or not all(isinstance(c, str) for c in raw):
            return Invalid("form.pick")
        chosen = [o.code for o in question.options if o.code in raw]  # declared order, once
        if len(chosen) != len(set(raw)) or not set(chosen) <= codes:
            return Invalid("form.pick")
        if not chosen and is_required(question, answers):
            return Invalid("form.pick_one")
        return Answer(chosen)
    if kind is InputKind.PHOTOS:
        if not isinstance(raw, list | tuple) or not all(isinstance(r, str) for r in raw):
            return Invalid("form.photos")
        least = question.min_photos(answers) if question.min_photos else None
        if least is None:
            least = 1 if is_required(question, answers) else 0
        if len(raw) < least:
            return Invalid("form.photos_needed", {"least": least})
        return Answer(list(dict.fromkeys(raw)))
    if kind is InputKind.LOCATION:
        if isinstance(raw, str) and raw in codes:
            return Answer(raw)
        if not isinstance(raw, Location):
            return Invalid("form.location")
        if not (-90 <= raw.latitude <= 90 and -180 <= raw.longitude <= 180):
            return Invalid("form.location")
        return Answer({"lat": raw.latitude, "lon": raw.longitude})
    if not isinstance(raw, str):
        return Invalid("form.text")
    if isinstance(raw, str) and raw in codes and kind is not InputKind.TEXT:
        return Answer(raw) if kind is not InputKind.DATE else _quick_date(question, raw, answers)
    text = raw.strip()
    if kind is InputKind.TEXT:
        if not text:
            return Invalid("form.text_empty")
        if len(text) > question.max_chars:
            return Invalid("form.text_long", {"limit": question.max_chars, "length": len(text)})
        return Answer(text)
    if kind is InputKind.NUMBER:
        number = parse_decimal(text, 10**9)
        if number is None:
            return Invalid("form.number")
        low, high = question.minimum, question.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            return Invalid("form.number_range", {"low": low, "high": high})
        return Answer(number)
    base = answers.get(question.date_base or "")
    if today is None and isinstance(base, str):
        today = date.fromisoformat(base)  # 3月7日 is in the year of the day counted from
    typed = parse_date(text, today)
    return Answer(typed.isoformat()) if typed is not None else Invalid("form.date")


def quick_days(code: str) -> int | None:
    """The days of a quick date button's code (``d7`` → 7)."""
    match = re.fullmatch(r"d([1-9][0-9]{0,2})", code)
    return int(match.group(1)) if match else None


def _quick_date(question: Question, code: str, answers: View) -> Answer | Invalid:
    days = quick_days(code)
    base = answers.get(question.date_base or "")
    if days is None or not isinstance(base, str):
        return Invalid("form.date")
    return Answer((date.fromisoformat(base) + timedelta(days=days)).isoformat())


_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_CHINESE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]")


def parse_date(text: str, today: date | None = None) -> date | None:
    """A typed date, strictly: ``2025-03-07``, ``2025-3-7`` (or with / or .), ``2025年3月7日``,
    or ``3月7日`` (this year; needs ``today``). Anything else, or a day that does not exist,
    is None."""
    text = text.strip()
    match = _ISO.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _CHINESE.fullmatch(text)
        if not match:
            return None
        if match.group(1) is None and today is None:
            return None
        year = int(match.group(1)) if match.group(1) else today.year  # type: ignore[union-attr]
        month, day = int(match.group(2)), int(match.group(3))
    try:
        return date(year, month, day)
    except ValueError:
        return None


# ---- pending input of MULTI and PHOTOS --------------------------------------------------


def pending(answers: View, key: str) -> list[str]:
    return list(answers.get(PENDING + key) or [])


def toggle(answers: View, key: str, code: str) -> Answers:
    """A MULTI's choice switched on or off (the caller checks the code is one of its options)."""
    chosen = pending(answers, key)
    chosen = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
    return {**answers, PENDING + key: chosen}


def add_photo(answers: View, key: str, reference: str) -> tuple[Answers, bool]:
    """A photo added to a PHOTOS question (once: the same reference twice counts once); and
    whether it was new."""
    photos = pending(answers, key)
    if reference in photos:
        return dict(answers), False
    return {**answers, PENDING + key: [*photos, reference]}, True


def record(answers: View, question: Question, answer: Answer) -> Answers:
    """The answers with this one stored (and its pending input gone)."""
    kept = {k: v for k, v in answers.items() if k != PENDING + question.key}
    return {**kept, question.key: answer.value}


# ---- review and edit --------------------------------------------------------------------


def review(form: Form, answers: View, *, settled: bool = False) -> list[ReviewLine]:
    """One line per relevant answered question, in asking order (stale answers settled
    first, unless ``settled``, as for :func:`next_question`)."""
    if not settled:
        answers = settle(form, answers)
    lines = []
    for question in instances(form, answers):
        if question.key in answers and is_relevant(question, answers):
            value = answers[question.key]
            item = question.item.name if question.item else ""
            lines.append(
                ReviewLine(question.label_key, _shown(question, value), question.key, item)
            )
    return lines


def _shown(question: Question, value: Any) -> str | tuple[str, ...]:
    labels = {o.code: o.label_key for o in question.options}
    if isinstance(value, str) and value in labels:
        return (labels[value],)
    if question.kind is InputKind.MULTI:
        return tuple(labels[c] for c in value if c in labels)
    if question.kind is InputKind.PHOTOS:
        return str(len(value))
    if question.kind is InputKind.LOCATION and isinstance(value, dict):
        return f"{value['lat']:.6f}, {value['lon']:.6f}"
    if value == "":
        return ("form.none",)
    return str(value)


def _dependents(form: Form, answers: View, edited: Question) -> set[str]:
    """Keys of the answered instances that depend, directly or through others, on ``edited``."""
    all_questions = instances(form, answers)
    found: set[str] = set()
    frontier = [edited]
    while frontier:
        source = frontier.pop()
        source_template = source.template or source.key
        for question in all_questions:
            if question.key in found or source_template not in question.depends_on:
                continue
            same_list = (
                question.item is not None
                and source.item is not None
                and question.repeat_over == form.template(source_template).repeat_over
            )
            if same_list and question.item != source.item:
                continue
            found.add(question.key)
            frontier.append(question)
    return found


def still_valid(question: Question, value: Any, answers: View) -> bool:
    """Whether a stored answer would still be accepted given the other answers (a category
    that no longer agrees with the items, a 跳过 now that the answer is required …)."""
    if value == "":
        return not is_required(question, answers)
    if question.kind in (InputKind.BUTTONS, InputKind.MULTI):
        chosen = value if isinstance(value, list) else [value]
        if not all(_offers(question, answers, code) for code in chosen):
            return False
        if question.kind is InputKind.MULTI and not chosen and is_required(question, answers):
            return False
    if question.kind is InputKind.PHOTOS:
        least = question.min_photos(answers) if question.min_photos else None
        if least is None:
            least = 1 if is_required(question, answers) else 0
        if len(value) < least:
            return False
    return question.validate is None or question.validate(value, answers, question.item) is None


def settle(form: Form, answers: View) -> Answers:
    """The answers without those whose question is not relevant any more or no longer valid,
    repeated until nothing changes (a dropped answer may make another irrelevant)."""
    current = dict(answers)
    while True:
        by_key = {q.key: q for q in instances(form, current)}
        drop = set()
        for key, value in current.items():
            if key in form.givens:
                continue
            base = key[len(PENDING) :] if key.startswith(PENDING) else key
            question = by_key.get(base)
            if (
                question is None
                or not is_relevant(question, current)
                or (key == base and not still_valid(question, value, current))
            ):
                drop.add(key)
        if not drop:
            return current
        current = {k: v for k, v in current.items() if k not in drop}


def after_edit(form: Form, answers: View, key: str, new: Answer) -> Answers:
    """The answers after ``key`` was changed from the review screen: the new value stored;
    the answers depending on it dropped, and those no longer relevant or valid, so the engine
    asks again exactly those. An unchanged value drops only what was stale already."""
    question = find(form, answers, key)
    if question is None:
        raise KeyError(key)
    if answers.get(key) == new.value:
        return settle(form, answers)
    dependents = _dependents(form, answers, question)
    kept = {k: v for k, v in answers.items() if k not in dependents}
    return settle(form, record(kept, question, new))


def start(form: Form, **givens: Any) -> Answers:
    """The answers of a new draft: only what is given at start."""
    unknown = set(givens) - set(form.givens)
    if unknown:
        raise KeyError(sorted(unknown))
    return dict(givens)


def answered(form: Form, answers: View) -> dict[str, Any]:
    """The answers in force (relevant ones), without givens or pending input."""
    return {
        q.key: answers[q.key]
        for q in instances(form, answers)
        if q.key in answers and is_relevant(q, answers)
    }


def values_of(answers: View, template: str, over: str) -> Sequence[Any]:
    """The answers given to the instances of a question repeated over the list ``over``, in
    item order (the unanswered left out)."""
    keys = (f"{template}.{i}" for i in range(len(answers.get(over) or ())))
    return [answers[key] for key in keys if key in answers]
