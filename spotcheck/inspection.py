"""The inspection result form (现场检查结果), declared with the form engine, and its rules.

Questions, in asking order: the check-in (a location, or 无法定位 and a reason), one answer per
inspection item of the assignment (未发现问题 / 发现问题 / 不涉及; 发现问题 asks a short note),
findings, photos, the result category, follow-ups when a problem was found (责令整改 with a
deadline, 立案查处, 移交 naming the agency, 涉嫌犯罪移送司法机关), then the review screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from spotcheck.form import (
    Form,
    InputKind,
    Item,
    Option,
    Predicate,
    Question,
    View,
    values_of,
)

KIND = "inspection"
ITEMS = "items"  # given: [[code, name], …] of the assignment's inspection items
CHECK_DAY = "check_day"  # given: the day of the check, ISO (quick deadlines count from it)
CHECKED_IN_AT = "checked_in_at"  # given: when the check-in was answered, ISO (UTC)
# --- issue 10: amendments ---
AMENDS = "amends"  # given in a draft reopened by 更正: the amendment's reason (not stored with
# the version: its reason is the version's amendment_reason)


class ItemAnswer(StrEnum):
    OK = "ok"  # 未发现问题
    PROBLEM = "problem"  # 发现问题
    NOT_APPLICABLE = "not_applicable"  # 不涉及


class ResultCategory(StrEnum):
    NONE = "none"  # 未发现问题
    PROBLEM_RECTIFIED = "problem_rectified"  # 发现问题已责令改正
    PROBLEM_PENDING = "problem_pending"  # 发现问题待后续处理
    REFUSED = "refused"  # 不予配合检查情节严重
    NOT_FOUND = "not_found"  # 查无下落
    CLOSED = "closed"  # 已关闭停业


PROBLEM_CATEGORIES = frozenset({ResultCategory.PROBLEM_RECTIFIED, ResultCategory.PROBLEM_PENDING})


class FollowUpKind(StrEnum):
    RECTIFY = "rectify"  # 责令整改 (with a deadline)
    CASE = "case"  # 立案查处
    TRANSFER = "transfer"  # 移交 (to the competent agency)
    JUDICIAL = "judicial"  # 涉嫌犯罪移送司法机关


class EvidenceSource(StrEnum):
    PHOTO = "photo"  # a compressed Telegram photo: no EXIF left
    DOCUMENT = "document"  # an image sent as a file: the original bytes, EXIF kept


class ResultState(StrEnum):
    """Where one version of a result stands in the review chain (spotcheck/review.py)."""

    SUBMITTED = "submitted"  # 已提交: waiting for the other members' confirmation
    OBJECTED = "objected"  # 有异议: a member objected; back to the submitter
    PENDING_REVIEW = "pending_review"  # 待审核
    RETURNED = "returned"  # 审核退回: back to the submitter, with the reason
    PASSED = "passed"  # 通过


UNLOCATED = "none"  # the 无法定位 button of the check-in
QUICK_DEADLINES = (7, 15, 30)


# ---- rules ------------------------------------------------------------------------------

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def checkin_flagged(distance: float | None, radius_m: float) -> bool:
    """Whether a check-in is flagged: farther than the radius from the target. A target with no
    coordinates (distance None) cannot be checked, and is not flagged for it."""
    return distance is not None and distance > radius_m


@dataclass(frozen=True)
class CheckIn:
    latitude: float | None
    longitude: float | None
    distance_m: float | None  # None: not located, or the target has no coordinates
    flagged: bool  # beyond the radius, or 无法定位
    unlocated: bool
    reason: str = ""  # why it could not be located


def checkin_of(
    answers: View, target_lat: float | None, target_lon: float | None, radius_m: float
) -> CheckIn | None:
    """The check-in the answers record, measured against the target; None before it."""
    value = answers.get("checkin")
    if value == UNLOCATED:
        return CheckIn(None, None, None, True, True, str(answers.get("checkin_reason", "")))
    if not isinstance(value, dict):
        return None
    lat, lon = float(value["lat"]), float(value["lon"])
    distance = None
    if target_lat is not None and target_lon is not None:
        distance = distance_m(lat, lon, target_lat, target_lon)
    return CheckIn(lat, lon, distance, checkin_flagged(distance, radius_m), False)


def checked_in(answers: View, day: date, at: datetime) -> dict[str, Any]:
    """The answers with the check-in's day and moment, recorded as the check-in (a location, or
    无法定位) is answered, and again when it is changed from the review screen.

    The check day is the day of the check-in, not the day 开始检查 was pressed (the form may
    be opened the evening before, at the office) nor the day of 提交 (the result may be sent
    from the office the next day): it is the day he was on site. The quick deadlines count from
    it, a typed deadline must come after it, and the result records it as ``checked_on``, so a
    deadline never precedes the check. A changed check-in moves it, and a deadline no longer
    after it is asked again (the engine re-validates every answer)."""
    return {**answers, CHECK_DAY: day.isoformat(), CHECKED_IN_AT: at.isoformat()}


def any_problem(answers: View) -> bool:
    return ItemAnswer.PROBLEM.value in values_of(answers, "item", ITEMS)


def category_agrees(category: ResultCategory, problem_found: bool) -> bool:
    """未发现问题 only when no item has a problem; a 发现问题… category only when one has. The
    others (不予配合, 查无下落, 已关闭停业) agree with any items."""
    if category is ResultCategory.NONE:
        return not problem_found
    if category in PROBLEM_CATEGORIES:
        return problem_found
    return True


def follow_ups(answers: View) -> list[FollowUpKind]:
    return [FollowUpKind(v) for v in answers.get("follow_up") or []]


# ---- the form ---------------------------------------------------------------------------


def _problem(answers: View, _item: Item | None) -> bool:
    return any_problem(answers)


def _unlocated(answers: View, _item: Item | None) -> bool:
    return answers.get("checkin") == UNLOCATED


def _item_problem(answers: View, item: Item | None) -> bool:
    return item is not None and answers.get(f"item.{item.index}") == ItemAnswer.PROBLEM


def _chose(kind: FollowUpKind) -> Predicate:
    def chosen(answers: View, _item: Item | None) -> bool:
        return _problem(answers, None) and kind in follow_ups(answers)

    return chosen


def _category_offered(answers: View, _item: Item | None, option: Option) -> bool:
    return category_agrees(ResultCategory(option.code), any_problem(answers))


def _category_valid(value: Any, answers: View, _item: Item | None) -> str | None:
    if category_agrees(ResultCategory(value), any_problem(answers)):
        return None
    return "inspection.category_disagrees"


def _after_check_day(value: Any, answers: View, _item: Item | None) -> str | None:
    day = answers.get(CHECK_DAY)
    if isinstance(day, str) and date.fromisoformat(value) <= date.fromisoformat(day):
        return "inspection.deadline_past"
    return None


def _min_photos(answers: View) -> int:
    return 1 if any_problem(answers) else 0


def inspection_form(text_limit: int = 500, note_limit: int = 200) -> Form:
    """The form; ``text_limit`` bounds findings and reasons, ``note_limit`` an item's note."""
    return Form(
        KIND,
        (
            Question(
                "checkin",
                InputKind.LOCATION,
                "inspection.ask_checkin",
                "inspection.checkin",
                options=(Option(UNLOCATED, "inspection.unlocated"),),
            ),
            Question(
                "checkin_reason",
                InputKind.TEXT,
                "inspection.ask_unlocated_reason",
                "inspection.unlocated_reason",
                relevant=_unlocated,
                depends_on=("checkin",),
                max_chars=text_limit,
            ),
            Question(
                "item",
                InputKind.BUTTONS,
                "inspection.ask_item",
                "inspection.item",
                options=tuple(Option(a.value, f"item_answer.{a.value}") for a in ItemAnswer),
                repeat_over=ITEMS,
            ),
            Question(
                "note",
                InputKind.TEXT,
                "inspection.ask_note",
                "inspection.note",
                relevant=_item_problem,
                depends_on=("item",),
                repeat_over=ITEMS,
                max_chars=note_limit,
            ),
            Question(
                "findings",
                InputKind.TEXT,
                "inspection.ask_findings",
                "inspection.findings",
                required=_problem,
                max_chars=text_limit,
            ),
            Question(
                "photos",
                InputKind.PHOTOS,
                "inspection.ask_photos",
                "inspection.photos",
                required=_problem,
                min_photos=_min_photos,
            ),
            Question(
                "category",
                InputKind.BUTTONS,
                "inspection.ask_category",
                "inspection.category",
                options=tuple(Option(c.value, f"category.{c.value}") for c in ResultCategory),
                offered=_category_offered,
                validate=_category_valid,
            ),
            Question(
                "follow_up",
                InputKind.MULTI,
                "inspection.ask_follow_up",
                "inspection.follow_up",
                options=tuple(Option(k.value, f"follow_up.{k.value}") for k in FollowUpKind),
                relevant=_problem,
            ),
            Question(
                "deadline",
                InputKind.DATE,
                "inspection.ask_deadline",
                "inspection.deadline",
                options=tuple(Option(f"d{n}", f"inspection.days_{n}") for n in QUICK_DEADLINES),
                relevant=_chose(FollowUpKind.RECTIFY),
                date_base=CHECK_DAY,
                validate=_after_check_day,
            ),
            Question(
                "agency",
                InputKind.TEXT,
                "inspection.ask_agency",
                "inspection.agency",
                relevant=_chose(FollowUpKind.TRANSFER),
                max_chars=100,
            ),
        ),
        givens=(ITEMS, CHECK_DAY, CHECKED_IN_AT, AMENDS),
    )


def catalogue_keys(form: Form) -> set[str]:
    """Every catalogue key the form shows (prompts, labels, buttons): each must be in the
    catalogue of every language."""
    keys = {"form.skip", "form.none", "form.done", "form.submit", "form.edit", "form.back"}
    for question in form.questions:
        keys |= {question.prompt_key, question.label_key}
        keys |= {o.label_key for o in question.options}
    return keys
