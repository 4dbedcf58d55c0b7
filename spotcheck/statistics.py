"""The quarter's statistics table (统计表) and the plan's ratio checks, pure: counts come in,
rows, totals and 达标 / 未达标 go out. The one computation behind the Excel table, the digests
and the statistics reminder, so chat and Excel never disagree.

Rules as counted here (README → Statistics):
- 应抽数 is the class's on-site minimum as the draw plans it, at the row's level;
- 完成率 = 已通过 ÷ 应抽数 (None, shown "—", when nothing was required);
- the internal joint share and the credit-risk share are of the on-site checks drawn;
- a check is credit-risk-based when its draw differentiated the ratio by grade (some grade
  multiplier differs from another): with every multiplier equal the grades change nothing;
- the positive list's off-site coverage is the positive-list targets with an off-site task this
  quarter (at either level, each once) ÷ the positive-list targets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from fractions import Fraction

from spotcheck.classes import SupervisionClass
from spotcheck.deadlines import Quarter, quarter_deadlines
from spotcheck.quota import CLASS_ORDER, Level
from spotcheck.reminders import Duty, duty_window
from spotcheck.workdays import WorkdayCalendar

JOINT_MINIMUM = Fraction(3, 10)  # 内部联合抽查 ≥ 30% of all checks
CREDIT_MINIMUM = Fraction(17, 20)  # 运用信用风险分级分类 ≥ 85%
OFFSITE_COVERAGE = Fraction(1)  # 正面清单 non-site monitoring: every one, every quarter


@dataclass(frozen=True)
class Tally:
    """The counts of one row of the table (or of several, added)."""

    targets: int = 0  # 对象数: active targets of the class
    minimum: int = 0  # 应抽数
    drawn: int = 0  # 已抽数: on-site checks drawn, in force
    offsite: int = 0  # 非现场数
    checked: int = 0  # 已检查
    submitted: int = 0  # 已提交
    passed: int = 0  # 已通过
    problems: int = 0  # 发现问题
    rectify: int = 0  # 责令改正
    case: int = 0  # 立案查处
    transfer: int = 0  # 移交
    open_rectify: int = 0  # 未完结整改
    joint: int = 0  # on-site checks drawn as internal joint checks
    credit_based: int = 0  # on-site checks drawn with differentiated grade ratios

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def completion(self) -> Fraction | None:
        """已通过 ÷ 应抽数; None when nothing was required."""
        return share(self.passed, self.minimum)


def share(part: int, whole: int) -> Fraction | None:
    """part ÷ whole, exact; None (shown "—") instead of a division by zero."""
    return None if whole == 0 else Fraction(part, whole)


def total(tallies: Iterable[Tally]) -> Tally:
    result = Tally()
    for tally in tallies:
        result = result + tally
    return result


@dataclass(frozen=True)
class StatisticsRow:
    """One row: a county's class at county level, or (region None) the city's at city level."""

    level: Level
    region: str | None
    supervision_class: SupervisionClass
    tally: Tally


class Rule(StrEnum):
    QUOTA = "quota"  # each class's on-site minimum per level: 已抽数 ≥ 应抽数
    JOINT = "joint"  # internal joint checks ≥ 30% of all checks
    CREDIT = "credit"  # credit-risk-based checks ≥ 85%
    OFFSITE = "offsite"  # positive-list off-site coverage = 100%


@dataclass(frozen=True)
class RatioCheck:
    """One of the plan's ratio checks: part ÷ whole against a threshold. ``met`` is None when
    there is nothing to measure (no check drawn, no positive-list target)."""

    rule: Rule
    part: int
    whole: int
    threshold: Fraction
    level: Level | None = None  # the quota checks name their row
    region: str | None = None
    supervision_class: SupervisionClass | None = None

    @property
    def ratio(self) -> Fraction | None:
        return share(self.part, self.whole)

    @property
    def met(self) -> bool | None:
        if self.rule is Rule.QUOTA:
            return self.part >= self.whole  # nothing required is met
        ratio = self.ratio
        return None if ratio is None else ratio >= self.threshold


def ratio_checks(
    rows: Iterable[StatisticsRow], covered: int, positive_list: int
) -> list[RatioCheck]:
    """The quota check of every row that requires or drew a check, then the three shares over
    all rows; ``covered`` of the ``positive_list`` targets had an off-site task."""
    rows = list(rows)
    checks = [
        RatioCheck(
            Rule.QUOTA,
            row.tally.drawn,
            row.tally.minimum,
            Fraction(1),
            row.level,
            row.region,
            row.supervision_class,
        )
        for row in rows
        if row.tally.minimum or row.tally.drawn
    ]
    summed = total(row.tally for row in rows)
    checks.append(RatioCheck(Rule.JOINT, summed.joint, summed.drawn, JOINT_MINIMUM))
    checks.append(RatioCheck(Rule.CREDIT, summed.credit_based, summed.drawn, CREDIT_MINIMUM))
    checks.append(RatioCheck(Rule.OFFSITE, covered, positive_list, OFFSITE_COVERAGE))
    return checks


@dataclass(frozen=True)
class QuarterStatistics:
    """The table of a quarter (for one county, or the city: ``region`` None) and its checks."""

    quarter: str
    region: str | None
    rows: tuple[StatisticsRow, ...]
    checks: tuple[RatioCheck, ...]

    @property
    def totals(self) -> Tally:
        """合计: the sum of the rows, column by column."""
        return total(row.tally for row in self.rows)

    def of_county(self, county: str) -> list[StatisticsRow]:
        """A county's own rows (county level), in class order."""
        return [r for r in self.rows if r.level is Level.COUNTY and r.region == county]


def differentiated(multipliers: Mapping[str, str]) -> bool:
    """A draw's grade multipliers (a record's ``parameters.multipliers``) differ by grade."""
    return len({Fraction(v) for v in multipliers.values()}) > 1


def ordered(rows: Iterable[StatisticsRow]) -> list[StatisticsRow]:
    """County rows by county code and class (special, key, general), then the city's."""
    rank = {cls: i for i, cls in enumerate(CLASS_ORDER)}
    return sorted(
        rows,
        key=lambda r: (r.level is Level.CITY, r.region or "", rank[r.supervision_class]),
    )


# --- issue 11: the quarter a report shows by default ---


def reported_quarter(today: date, calendar: WorkdayCalendar) -> Quarter:
    """The quarter whose table is wanted on ``today``: the one before today's until its
    statistics window (the 1st to 3rd working day after it) has closed — the table due then is
    that quarter's — and today's quarter afterwards."""
    current = Quarter.containing(today)
    previous = current.previous()
    window, _ = duty_window(quarter_deadlines(previous, calendar), Duty.STATISTICS, calendar)
    return previous if today <= window[1] else current
