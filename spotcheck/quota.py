"""Quarterly quotas (抽查比例): how many targets each stratum of a draw must yield.

The plan sets minimum quarterly ratios per level and supervision class (DESIGN.md rule 3);
quota = ceil(ratio × population), computed exactly with fractions, never floats. A class is
stratified by credit-risk grade (信用风险分级分类, rule 4): the class total is
max(ceil(ratio × N), ceil(Σ ratio × m_g × N_g)), capped at N, and that total is shared over
the grades by the largest-remainder (Hamilton) method with shares ∝ m_g × N_g. A ceiling per
grade would inflate the total: 7 key targets over grades of 2, 2, 2, 1 at 25% give 2, not 4.
Positive-list general targets (正面清单) are not drawn at all: each gets an off-site (非现场)
task every quarter, so they form their own off-site strata with quota = population.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from typing import Protocol, TypeVar

from spotcheck.classes import CreditRiskGrade, SupervisionClass

K = TypeVar("K")
RatioLike = str | Fraction | Decimal | int


class Level(StrEnum):
    CITY = "city"  # 市级: the whole city's population per class
    COUNTY = "county"  # 县级: each county's own population per class


class TaskKind(StrEnum):
    ONSITE = "onsite"  # 现场检查
    OFFSITE = "offsite"  # 非现场监管


# Strictest class first: the order strata are listed, drawn and matched in.
CLASS_ORDER = (SupervisionClass.SPECIAL, SupervisionClass.KEY, SupervisionClass.GENERAL)
# Quota versions: 1, largest remainders alone; 2, then risk-monotone (README → The draw).
LATEST_VERSION = 2
# Riskiest grade first: the order of strata within a class and the Hamilton tie-break.
GRADES_RISKIEST_FIRST = tuple(sorted(CreditRiskGrade, key=lambda g: -g.risk_rank))


def parse_ratio(value: RatioLike | float) -> Fraction:
    """'25%', '0.25', '1/4', Decimal or Fraction as an exact fraction.

    A float (as TOML gives for ``key = 0.25``) is read through its shortest decimal text, so
    0.1 means exactly 1/10; no arithmetic is ever done in floating point.
    """
    if isinstance(value, bool):
        raise TypeError("a ratio cannot be a bool")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int | Decimal):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    text = value.strip()
    scale = Fraction(1, 100) if text.endswith("%") else Fraction(1)
    text = text.removesuffix("%").strip()
    try:
        number = Fraction(text) if "/" in text else Fraction(Decimal(text))
    except (InvalidOperation, ValueError, ZeroDivisionError):
        raise ValueError(f"not a ratio: {value!r}") from None
    return number * scale


def quota_for(ratio: Fraction, population: int) -> int:
    """ceil(ratio × population), exact: quota_for(Fraction(1, 10), 30) == 3."""
    if population < 0:
        raise ValueError("population cannot be negative")
    return math.ceil(ratio * population)


def _in_unit_interval(name: str, value: Fraction) -> Fraction:
    if not 0 < value <= 1:
        raise ValueError(f"ratio {name} must be in (0, 1], not {value}")
    return value


@dataclass(frozen=True, slots=True)
class Ratios:
    """Minimum quarterly sampling ratios per level × class (general = not on the positive list)."""

    city_special: Fraction = Fraction(1, 10)
    city_key: Fraction = Fraction(1, 10)
    city_general: Fraction = Fraction(3, 100)
    county_special: Fraction = Fraction(1, 2)
    county_key: Fraction = Fraction(1, 4)
    county_general: Fraction = Fraction(3, 100)

    def __post_init__(self) -> None:
        for level in Level:
            for cls in SupervisionClass:
                name = f"{level.value}_{cls.value}"
                value = getattr(self, name)
                if not isinstance(value, Fraction):
                    raise TypeError(f"ratio {name} must be a Fraction; use Ratios.from_mapping")
                _in_unit_interval(name, value)

    def ratio(self, level: Level, cls: SupervisionClass) -> Fraction:
        value: Fraction = getattr(self, f"{level.value}_{cls.value}")
        return value

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Mapping[str, RatioLike | float]]) -> Ratios:
        """From ``{"city": {"key": "10%", ...}, "county": {...}}``; missing ones keep defaults."""
        values: dict[str, Fraction] = {}
        for level, by_class in mapping.items():
            for name, value in by_class.items():
                key = f"{Level(level).value}_{SupervisionClass(name).value}"
                values[key] = parse_ratio(value)
        return cls(**values)

    def to_json(self) -> dict[str, dict[str, str]]:
        return {
            level.value: {c.value: str(self.ratio(level, c)) for c in SupervisionClass}
            for level in Level
        }


def _default_multipliers() -> dict[CreditRiskGrade, Fraction]:
    return {grade: Fraction(1) for grade in CreditRiskGrade}


@dataclass(frozen=True, slots=True)
class GradeMultipliers:
    """Per-grade factors on the class ratio (差异化抽查比例); a riskier grade never gets less."""

    values: Mapping[CreditRiskGrade, Fraction] = field(default_factory=_default_multipliers)

    def __post_init__(self) -> None:
        if set(self.values) != set(CreditRiskGrade):
            raise ValueError("a multiplier is needed for every grade A–D")
        for grade, value in self.values.items():
            if not isinstance(value, Fraction):
                raise TypeError(f"multiplier of grade {grade.value} must be a Fraction")
            if value <= 0:
                raise ValueError(f"multiplier of grade {grade.value} must be positive")
        safest_first = GRADES_RISKIEST_FIRST[::-1]
        for safer, riskier in itertools.pairwise(safest_first):
            if self.values[riskier] < self.values[safer]:
                raise ValueError(
                    f"multiplier of grade {riskier.value} ({self.values[riskier]}) is lower than "
                    f"that of the safer grade {safer.value} ({self.values[safer]})"
                )

    def of(self, grade: CreditRiskGrade) -> Fraction:
        return self.values[grade]

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, RatioLike | float]) -> GradeMultipliers:
        """From ``{"A": "0.5", "D": "2"}``; grades not named keep 1."""
        values = _default_multipliers()
        for name, value in mapping.items():
            values[CreditRiskGrade(name)] = parse_ratio(value)
        return cls(values)

    def to_json(self) -> dict[str, str]:
        return {grade.value: str(self.values[grade]) for grade in CreditRiskGrade}


def apportion(total: int, shares: Sequence[tuple[K, Fraction, int]]) -> dict[K, int]:
    """Largest-remainder (Hamilton) apportionment of ``total`` seats with upper caps.

    ``shares`` lists (key, weight, cap) in tie-break priority order: of two equal remainders
    the one listed first gets the seat. A key whose exact share reaches its cap gets the cap
    and leaves; the remaining seats are shared again over the others by the same method,
    until no exact share reaches a cap. Then each key gets floor(share) and the leftover
    seats go to the largest fractional parts. No key ever exceeds its cap.
    """
    if total < 0 or any(weight < 0 or cap < 0 for _, weight, cap in shares):
        raise ValueError("seats, weights and caps must not be negative")
    if total > sum(cap for _, _, cap in shares):
        raise ValueError("more seats than the caps allow")
    result: dict[K, int] = {}
    active = list(shares)
    seats = total
    while active:
        weight_sum = sum(weight for _, weight, _ in active)
        if weight_sum == 0:
            if seats:
                raise ValueError("no weight to share the seats by")
            result.update((key, 0) for key, _, _ in active)
            return result
        full = [s for s in active if seats * s[1] / weight_sum >= s[2]]
        if not full:
            break
        for key, _, cap in full:
            result[key] = cap
            seats -= cap
        active = [s for s in active if s not in full]
    if not active:
        return result
    weight_sum = sum(weight for _, weight, _ in active)
    exact = [(key, seats * weight / weight_sum) for key, weight, _ in active]
    for key, share in exact:
        result[key] = math.floor(share)
    leftover = seats - sum(math.floor(share) for _, share in exact)
    by_remainder = sorted(
        range(len(exact)), key=lambda i: (-(exact[i][1] - math.floor(exact[i][1])), i)
    )
    for i in by_remainder[:leftover]:
        result[exact[i][0]] += 1
    return result


@dataclass(frozen=True, slots=True)
class GradeQuota:
    grade: CreditRiskGrade
    population: int
    multiplier: Fraction
    quota: int


def class_total(
    ratio: Fraction,
    multipliers: GradeMultipliers,
    grade_populations: Mapping[CreditRiskGrade, int],
) -> int:
    """max(ceil(ratio × N), ceil(Σ ratio × m_g × N_g)), never more than N."""
    population = sum(grade_populations.values())
    weighted = sum(
        (ratio * multipliers.of(g) * n for g, n in grade_populations.items()), Fraction(0)
    )
    return min(population, max(quota_for(ratio, population), math.ceil(weighted)))


def plan_class_quota(
    ratio: Fraction,
    multipliers: GradeMultipliers,
    grade_populations: Mapping[CreditRiskGrade, int],
    version: int = LATEST_VERSION,
    drawable: Mapping[CreditRiskGrade, int] | None = None,
) -> list[GradeQuota]:
    """The class total shared over its grades, riskiest grade first.

    Shares ∝ multiplier × population; a grade never gets more than its population (the excess
    is shared again, see ``apportion``); equal remainders go to the riskier grade. Version 2
    then makes the rates risk-monotone (``risk_monotone``), moving units only to a grade with
    targets left to draw (``drawable``: its population less those excluded from being drawn,
    e.g. checked recently; default the population).
    """
    total = class_total(ratio, multipliers, grade_populations)
    grades = [g for g in GRADES_RISKIEST_FIRST if g in grade_populations]
    shares = [(g, multipliers.of(g) * grade_populations[g], grade_populations[g]) for g in grades]
    quotas = apportion(total, shares)
    if version >= 2:
        quotas = risk_monotone(quotas, grade_populations, drawable)
    return [GradeQuota(g, grade_populations[g], multipliers.of(g), quotas[g]) for g in grades]


def risk_monotone(
    quotas: Mapping[CreditRiskGrade, int],
    populations: Mapping[CreditRiskGrade, int],
    drawable: Mapping[CreditRiskGrade, int] | None = None,
) -> dict[CreditRiskGrade, int]:
    """No riskier grade drawn at a lower rate (quota ÷ population) than a safer one, as far as
    its drawable targets allow.

    While some grade r whose quota is below its drawable count has a lower rate than a safer
    grade, take the riskiest such r and move one unit to it from the safer grade with the highest
    rate (of equal rates, the safest). Each move shifts a unit to a riskier grade, so it ends;
    the class total is kept, and no grade is given more than it can draw (a grade whose targets
    were all checked recently keeps what the apportionment gave it).
    """
    result = dict(quotas)
    grades = [g for g in GRADES_RISKIEST_FIRST if populations.get(g)]
    room = dict(populations) if drawable is None else {g: drawable.get(g, 0) for g in grades}

    def rate(grade: CreditRiskGrade) -> Fraction:
        return Fraction(result[grade], populations[grade])

    while True:
        for i, riskier in enumerate(grades):
            if result[riskier] >= room[riskier]:
                continue
            higher = [s for s in grades[i + 1 :] if rate(s) > rate(riskier)]
            if higher:
                top = max(rate(s) for s in higher)
                donor = [s for s in higher if rate(s) == top][-1]  # riskiest first: last is safest
                result[donor] -= 1
                result[riskier] += 1
                break
        else:
            return result


class Plannable(Protocol):
    """What the planner needs of a target (``draw.TargetCandidate`` has it)."""

    @property
    def region(self) -> str: ...
    @property
    def supervision_class(self) -> SupervisionClass: ...
    @property
    def credit_grade(self) -> CreditRiskGrade: ...
    @property
    def positive_list(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class StratumPlan:
    """One stratum of a quarter's plan: who is in it and how many of them are checked."""

    id: str
    level: Level
    region: str | None  # county code at county level, None at city level
    supervision_class: SupervisionClass
    grade: CreditRiskGrade | None  # None for the off-site stratum
    population: int
    ratio: Fraction
    multiplier: Fraction
    quota: int
    kind: TaskKind = TaskKind.ONSITE
    # Targets of this stratum already drawn this quarter at this level (another plan, e.g. a
    # directed draw): they count towards the quarter's minimum, so fewer remain to draw.
    already_drawn: int = 0

    @property
    def to_draw(self) -> int:
        if self.kind is TaskKind.OFFSITE:
            return self.quota
        return max(0, self.quota - self.already_drawn)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "level": self.level.value,
            "region": self.region,
            "class": self.supervision_class.value,
            "grade": None if self.grade is None else self.grade.value,
            "population": self.population,
            "ratio": str(self.ratio),
            "multiplier": str(self.multiplier),
            "quota": self.quota,
            "already_drawn": self.already_drawn,
            "to_draw": self.to_draw,
            "kind": self.kind.value,
        }


def is_offsite(target: Plannable) -> bool:
    """正面清单: a positive-list general target is monitored off site, never drawn on site."""
    return target.positive_list and target.supervision_class is SupervisionClass.GENERAL


def stratum_id(
    level: Level, region: str | None, cls: SupervisionClass, grade: CreditRiskGrade | None
) -> str:
    """'county:130602:key:B', 'city:key:B'; the off-site strata end in ':offsite'."""
    head = "city" if level is Level.CITY else f"county:{region}"
    tail = "offsite" if grade is None else grade.value
    return f"{head}:{cls.value}:{tail}"


def stratum_of(level: Level, target: Plannable) -> str:
    """The id of the stratum a target falls in at this level."""
    region = None if level is Level.CITY else target.region
    grade = None if is_offsite(target) else target.credit_grade
    return stratum_id(level, region, target.supervision_class, grade)


# (county code or None at city level, class, grade or None for the off-site positive list)
StratumKey = tuple[str | None, SupervisionClass, CreditRiskGrade | None]


def plan_quarter(
    level: Level,
    population: Iterable[Plannable],
    ratios: Ratios,
    multipliers: GradeMultipliers,
    *,
    region: str | None = None,
    supervision_class: SupervisionClass | None = None,
    version: int = LATEST_VERSION,
    undrawable: Mapping[str, int] | None = None,
) -> tuple[StratumPlan, ...]:
    """Every stratum of a quarter's draw at one level (quotas of algorithm ``version``).
    ``undrawable`` counts, per stratum id, the targets that stay in the population but cannot
    be drawn (checked recently): version 2 moves no unit to a grade beyond what it can draw.

    City level: one set of grade strata per class over the whole city (``region`` must be
    None; a directed draw narrows the population with a region filter instead). County level:
    one set per (county, class), or only ``region``'s when given. ``supervision_class`` keeps
    one class. Strata are ordered by county, then class (special, key, general), on-site before
    off-site, riskiest grade first: the order the draw lists and matches them in.
    """
    if level is Level.CITY and region is not None:
        raise ValueError("a city-level plan covers the whole city; filter by region instead")
    counts: Counter[StratumKey] = Counter()
    for target in population:
        where = None if level is Level.CITY else target.region
        if region is not None and where != region:
            continue
        if supervision_class is not None and target.supervision_class is not supervision_class:
            continue
        grade = None if is_offsite(target) else target.credit_grade
        counts[(where, target.supervision_class, grade)] += 1
    return plan_counted(level, counts, ratios, multipliers, version, undrawable)


def plan_counted(
    level: Level,
    counts: Mapping[StratumKey, int],
    ratios: Ratios,
    multipliers: GradeMultipliers,
    version: int = LATEST_VERSION,
    undrawable: Mapping[str, int] | None = None,
) -> tuple[StratumPlan, ...]:
    """``plan_quarter`` from the populations already counted per stratum key: the statistics
    count them in SQL, and their minimums are the draw's to the unit."""
    strata: list[StratumPlan] = []
    for where in sorted({w for w, _, _ in counts}, key=lambda w: w or ""):
        for cls in CLASS_ORDER:
            grades = {g: n for (w, c, g), n in counts.items() if w == where and c is cls}
            strata += _class_strata(
                level,
                where,
                cls,
                grades,
                ratios.ratio(level, cls),
                multipliers,
                version,
                undrawable or {},
            )
    return tuple(strata)


def _class_strata(
    level: Level,
    region: str | None,
    cls: SupervisionClass,
    grades: Mapping[CreditRiskGrade | None, int],
    ratio: Fraction,
    multipliers: GradeMultipliers,
    version: int,
    undrawable: Mapping[str, int],
) -> list[StratumPlan]:
    """One class's grade strata (riskiest first), then its off-site stratum (grade None)."""
    onsite = {g: n for g, n in grades.items() if g is not None}
    drawable = {
        g: n - undrawable.get(stratum_id(level, region, cls, g), 0) for g, n in onsite.items()
    }
    strata = [
        StratumPlan(
            id=stratum_id(level, region, cls, q.grade),
            level=level,
            region=region,
            supervision_class=cls,
            grade=q.grade,
            population=q.population,
            ratio=ratio,
            multiplier=q.multiplier,
            quota=q.quota,
        )
        for q in (plan_class_quota(ratio, multipliers, onsite, version, drawable) if onsite else [])
    ]
    if None in grades:
        everyone = grades[None]
        strata.append(
            StratumPlan(
                id=stratum_id(level, region, cls, None),
                level=level,
                region=region,
                supervision_class=cls,
                grade=None,
                population=everyone,
                ratio=Fraction(1),
                multiplier=Fraction(1),
                quota=everyone,
                kind=TaskKind.OFFSITE,
            )
        )
    return strata
