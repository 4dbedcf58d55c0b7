"""稽查考核: the city's quarterly evaluation of each county, pure — counts come in, a score out
of 100 goes out.

Each criterion is *attained* to a degree between 0 and 1, and a county's score is
Σ weight × attainment, the weights (config ``[evaluation.weights]``) summing to 100:

- reporting — the duties due (summary, statistics) sent on time ÷ the duties due; a duty whose
  window has not closed yet and is not sent is not due;
- quota — the county's completion, 已通过 ÷ 应抽数 of its county-level rows (at most 1);
- joint — (internal joint checks ÷ checks drawn) ÷ 30% (at most 1);
- credit — (credit-risk-based checks ÷ checks drawn) ÷ 85% (at most 1);
- review — 1 − versions returned in review ÷ versions reviewed (returned or passed);
- evidence — 1 − problems recorded without a photo ÷ problems recorded;
- follow_ups — 1 − 责令整改 past their deadline ÷ 责令整改 with a deadline;
- publication — 1 − results published late ÷ results to publish.

A criterion with nothing to measure (nothing required, drawn or recorded) is attained in full:
it cannot have been failed. But a county required to check (应抽数 above 0) that drew nothing
attains no criterion but reporting: nothing it was to do was done, and it must not score above a
county that did its work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction

from spotcheck.statistics import CREDIT_MINIMUM, JOINT_MINIMUM, Tally, share


class Criterion(StrEnum):
    REPORTING = "reporting"  # 按时报送
    QUOTA = "quota"  # 抽查任务完成
    JOINT = "joint"  # 内部联合抽查占比
    CREDIT = "credit"  # 信用风险分类抽查占比
    REVIEW = "review"  # 审核退回
    EVIDENCE = "evidence"  # 问题无照片
    FOLLOW_UPS = "follow_ups"  # 整改逾期
    PUBLICATION = "publication"  # 公示逾期


DEFAULT_WEIGHTS: dict[Criterion, int] = {
    Criterion.REPORTING: 15,
    Criterion.QUOTA: 30,
    Criterion.JOINT: 10,
    Criterion.CREDIT: 10,
    Criterion.REVIEW: 10,
    Criterion.EVIDENCE: 10,
    Criterion.FOLLOW_UPS: 10,
    Criterion.PUBLICATION: 5,
}
FULL_SCORE = 100


class ReportStatus(StrEnum):
    ON_TIME = "on_time"  # 按时
    LATE = "late"  # 逾期: sent after the window closed
    MISSING = "missing"  # 未报送: the window closed, nothing sent
    NOT_DUE = "not_due"  # 未到期: the window is still open (or to come), nothing sent yet


def report_status(window_end: date, sent_on: date | None, today: date) -> ReportStatus:
    """Where a county's duty stands on ``today``: sent by its window's last day or after it,
    or not sent — missing once the window has closed."""
    if sent_on is not None:
        return ReportStatus.ON_TIME if sent_on <= window_end else ReportStatus.LATE
    return ReportStatus.MISSING if today > window_end else ReportStatus.NOT_DUE


@dataclass(frozen=True)
class Ratio:
    """``part`` of ``whole`` that went wrong (returned, no photo, overdue, late)."""

    part: int = 0
    whole: int = 0


@dataclass(frozen=True)
class CountyRecord:
    """What the city evaluates a county on, for one quarter."""

    county: str
    reports: tuple[ReportStatus, ...]  # the summary's, then the statistics'
    tally: Tally  # the county's own rows of the statistics table, added
    returned: Ratio = Ratio()  # versions returned in review, of those reviewed
    without_photo: Ratio = Ratio()  # problems recorded without a photo, of problems
    overdue: Ratio = Ratio()  # 责令整改 past their deadline, of those with one
    published_late: Ratio = Ratio()  # results published late, of those to publish


@dataclass(frozen=True)
class Evaluation:
    record: CountyRecord
    attained: Mapping[Criterion, Fraction] = field(default_factory=dict)
    points: Mapping[Criterion, Fraction] = field(default_factory=dict)

    @property
    def score(self) -> Fraction:
        """Out of 100: Σ weight × attainment."""
        return sum(self.points.values(), Fraction(0))


def _capped(ratio: Fraction | None, threshold: Fraction = Fraction(1)) -> Fraction:
    return Fraction(1) if ratio is None else min(Fraction(1), ratio / threshold)


def _clean(ratio: Ratio) -> Fraction:
    wrong = share(ratio.part, ratio.whole)
    return Fraction(1) if wrong is None else 1 - min(Fraction(1), wrong)


def attainment(record: CountyRecord) -> dict[Criterion, Fraction]:
    """Each criterion's attainment, 0 to 1 (see the module's note)."""
    due = [s for s in record.reports if s is not ReportStatus.NOT_DUE]
    on_time = sum(1 for s in due if s is ReportStatus.ON_TIME)
    tally = record.tally
    reporting = _capped(share(on_time, len(due)))
    if tally.minimum and not tally.drawn:
        return {c: reporting if c is Criterion.REPORTING else Fraction(0) for c in Criterion}
    return {
        Criterion.REPORTING: reporting,
        Criterion.QUOTA: _capped(tally.completion),
        Criterion.JOINT: _capped(share(tally.joint, tally.drawn), JOINT_MINIMUM),
        Criterion.CREDIT: _capped(share(tally.credit_based, tally.drawn), CREDIT_MINIMUM),
        Criterion.REVIEW: _clean(record.returned),
        Criterion.EVIDENCE: _clean(record.without_photo),
        Criterion.FOLLOW_UPS: _clean(record.overdue),
        Criterion.PUBLICATION: _clean(record.published_late),
    }


def evaluate(record: CountyRecord, weights: Mapping[Criterion, int]) -> Evaluation:
    attained = attainment(record)
    return Evaluation(record, attained, {c: weights[c] * a for c, a in attained.items()})


def past_deadline(deadline: date, closed_on: date | None, today: date) -> bool:
    """A 责令整改 closed after its deadline, or still open with its deadline before today (the
    deadline day itself is in time)."""
    return closed_on > deadline if closed_on is not None else deadline < today
