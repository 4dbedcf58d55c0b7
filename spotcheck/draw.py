"""The target draw (第一个随机: random targets), a pure function of candidates, plan and seed.

Ranking method: every candidate of a stratum gets the key
HMAC-SHA256(key=seed, msg=utf8(stratum id) ‖ 0x00 ‖ utf8(credit code)); the ``quota`` lowest
keys (compared as bytes, ties by credit code, which cannot occur in practice) are drawn. This is
the keyed-hash ranking of "verifiable random selection" (draft-thomson-elegy-vrs, in the
lineage of RFC 3797): anyone holding the seed and the candidate list recomputes every key, and
nobody can predict or steer a key before the seed is fixed. The stratum id in the message makes
the rankings of different strata independent.

Directed draws (定向抽查) narrow the candidates with ``filter_candidates`` before planning, so
their quotas are ratios of the filtered population. Exclusions are declared up front as
credit code → reason and kept in the record: an ``inactive`` target leaves the population the
quotas are computed on; any other reason (checked recently, already drawn this quarter …) keeps
the target in the population but not in the ranking; a target excluded as ``already_drawn``
counts towards its stratum's quota, so only the rest is drawn (the quarter's minimum counts
each target once).
Excluded targets get no off-site task either.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from spotcheck.classes import CreditRiskGrade, SupervisionClass
from spotcheck.quota import Level, StratumPlan, TaskKind, is_offsite
from spotcheck.roles import Role


@lru_cache(maxsize=4096)
def sorted_unique(words: tuple[str, ...]) -> list[str]:
    """Tags as records hold them. Cached: a city has few distinct tag lists, many targets.
    Callers must not mutate the list (records are only serialised)."""
    return sorted(set(words))


@dataclass(frozen=True, slots=True)
class TargetCandidate:
    """检查对象: one enterprise of the target directory as the draw sees it."""

    credit_code: str  # 统一社会信用代码
    name: str
    region: str  # county code (行政区划代码)
    industry: str
    permit_category: str  # 排污许可管理类别
    supervision_class: SupervisionClass
    positive_list: bool  # 正面清单
    credit_grade: CreditRiskGrade
    tags: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        # A StrEnum member is a str: JSON writes its value, and it equals that value.
        return {
            "credit_code": self.credit_code,
            "name": self.name,
            "region": self.region,
            "industry": self.industry,
            "permit_category": self.permit_category,
            "supervision_class": self.supervision_class,
            "positive_list": self.positive_list,
            "credit_grade": self.credit_grade,
            "tags": sorted_unique(self.tags),
        }


@dataclass(frozen=True, slots=True)
class InspectorCandidate:
    """执法人员 as the matcher sees them; pass only those on duty (在岗)."""

    cert_no: str  # 执法证号
    name: str
    region: str
    specialties: tuple[str, ...] = ()
    role: Role = Role.INSPECTOR
    load: int = 0  # checks already assigned this quarter

    def to_json(self) -> dict[str, object]:
        return {
            "cert_no": self.cert_no,
            "name": self.name,
            "region": self.region,
            "specialties": sorted_unique(self.specialties),
            "role": self.role,
            "load": self.load,
        }


@dataclass(frozen=True, slots=True)
class ExpertCandidate:
    """专家 of the expert pool (环科院, 监测站 …), drawn for joint checks."""

    expert_id: str
    name: str
    region: str
    industries: tuple[str, ...] = ()
    load: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "expert_id": self.expert_id,
            "name": self.name,
            "region": self.region,
            "industries": sorted_unique(self.industries),
            "load": self.load,
        }


@dataclass(frozen=True, slots=True)
class DrawFilters:
    """Conditions of a directed draw (定向抽查); all empty means undirected (不定向).

    A target passes when, for every non-empty condition, it matches one of its values (for
    tags: carries at least one of them). ``violation_within_days`` keeps the targets with a
    violation found within that many days before the quarter (违法记录: a passed check that
    found a problem); the service resolves them into ``violators`` before the draw, and the
    record keeps both, so the draw is recomputed from the record alone.
    """

    industries: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    permit_categories: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    violation_within_days: int | None = None
    violators: frozenset[str] = frozenset()  # credit codes: resolved for the draw

    @property
    def directed(self) -> bool:
        return bool(
            self.industries
            or self.tags
            or self.permit_categories
            or self.regions
            or self.violation_within_days is not None
        )

    def admits(self, target: TargetCandidate) -> bool:
        return (
            (not self.industries or target.industry in self.industries)
            and (not self.tags or not self.tags.isdisjoint(target.tags))
            and (not self.permit_categories or target.permit_category in self.permit_categories)
            and (not self.regions or target.region in self.regions)
            and (self.violation_within_days is None or target.credit_code in self.violators)
        )

    def to_json(self) -> dict[str, object]:
        """The filters as records hold them; ``violation`` only when set, so records without
        it read (and hash) as before."""
        filters: dict[str, object] = {
            "industries": sorted(self.industries),
            "tags": sorted(self.tags),
            "permit_categories": sorted(self.permit_categories),
            "regions": sorted(self.regions),
        }
        if self.violation_within_days is not None:
            filters["violation"] = {
                "within_days": self.violation_within_days,
                "credit_codes": sorted(self.violators),
            }
        return filters


class ExclusionReason(StrEnum):
    """The reasons the issue names; any other string is accepted and kept as given."""

    INACTIVE = "inactive"  # leaves the population (停业, 注销 …)
    RECENTLY_CHECKED = "recently_checked"  # checked on site within N days
    ALREADY_DRAWN = "already_drawn"  # drawn this quarter for the same class and level


class RefusalKind(StrEnum):
    TOO_FEW_TARGETS = "too_few_targets"
    TOO_FEW_INSPECTORS = "too_few_inspectors"
    WORKLOAD_CAP = "workload_cap"
    TOO_FEW_EXPERTS = "too_few_experts"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a draw cannot be made; the message catalogue renders it.

    ``region`` is the county concerned (the target's county for a matching refusal),
    ``needed`` and ``available`` count targets or people as ``kind`` says.
    """

    kind: RefusalKind
    needed: int
    available: int
    region: str | None = None
    target: str | None = None
    stratum: str | None = None
    cap: int | None = None


class DrawRefused(Exception):
    """A draw (or a replacement) that cannot satisfy the rules; never a silent partial draw."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class DrawnTarget:
    target: TargetCandidate
    stratum: str
    kind: TaskKind


def filter_candidates(
    candidates: Iterable[TargetCandidate], filters: DrawFilters
) -> list[TargetCandidate]:
    """The candidates a directed draw keeps (all of them for an undirected draw)."""
    return [t for t in candidates if filters.admits(t)]


def planning_population(
    candidates: Iterable[TargetCandidate], exclusions: Mapping[str, str]
) -> list[TargetCandidate]:
    """The population quotas are computed on: the candidates not excluded as inactive."""
    return [t for t in candidates if exclusions.get(t.credit_code) != ExclusionReason.INACTIVE]


def hmac_sha256(key: bytes) -> Callable[[bytes], bytes]:
    """HMAC-SHA256 under one key for many messages (RFC 2104): the keyed inner and outer
    states are computed once and copied per message, half the cost of ``hmac.digest`` for the
    short messages of a ranking."""
    block = hashlib.sha256(key).digest() if len(key) > 64 else key
    block = block.ljust(64, b"\x00")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block)).copy
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block)).copy

    def digest(message: bytes) -> bytes:
        state = inner()
        state.update(message)
        result = outer()
        result.update(state.digest())
        return result.digest()

    return digest


def _ranked(seed: bytes, stratum: str, members: list[TargetCandidate]) -> list[TargetCandidate]:
    """``members`` by HMAC-SHA256(seed, stratum ‖ 0x00 ‖ credit code), ties by credit code."""
    prefix = stratum.encode() + b"\x00"
    digest = hmac_sha256(seed)
    keyed = [
        (digest(prefix + t.credit_code.encode()), t.credit_code, i) for i, t in enumerate(members)
    ]
    keyed.sort()
    return [members[i] for _, _, i in keyed]


_Cell = tuple[str | None, SupervisionClass, CreditRiskGrade | None]


def draw_targets(
    strata: Sequence[StratumPlan],
    candidates: Iterable[TargetCandidate],
    seed: bytes,
    exclusions: Mapping[str, str] | None = None,
) -> list[DrawnTarget]:
    """The drawn targets, stratum by stratum in plan order, each stratum in rank order.

    An on-site stratum yields its ``to_draw`` lowest-ranked eligible candidates (its quota less
    those already drawn this quarter); when fewer are eligible the draw is refused with
    TOO_FEW_TARGETS. An
    off-site stratum yields every eligible candidate, ordered by credit code. Candidates in
    no stratum of the plan (another class, county or level) are ignored.
    """
    excluded = exclusions or {}
    if not strata:
        return []
    if len({s.level for s in strata}) > 1:
        raise ValueError("strata of one draw share a level")
    city = strata[0].level is Level.CITY
    members: dict[_Cell, list[TargetCandidate]] = defaultdict(list)
    seen: set[str] = set()
    for target in candidates:
        if target.credit_code in seen:
            raise ValueError(f"duplicate candidate {target.credit_code}")
        seen.add(target.credit_code)
        if target.credit_code not in excluded:
            grade = None if is_offsite(target) else target.credit_grade
            region = None if city else target.region
            members[(region, target.supervision_class, grade)].append(target)
    drawn: list[DrawnTarget] = []
    for stratum in strata:
        eligible = members.get((stratum.region, stratum.supervision_class, stratum.grade), [])
        if stratum.kind is TaskKind.OFFSITE:
            chosen = sorted(eligible, key=lambda t: t.credit_code)
        elif len(eligible) < stratum.to_draw:
            raise DrawRefused(
                Refusal(
                    RefusalKind.TOO_FEW_TARGETS,
                    needed=stratum.to_draw,
                    available=len(eligible),
                    region=stratum.region,
                    stratum=stratum.id,
                )
            )
        else:
            chosen = _ranked(seed, stratum.id, eligible)[: stratum.to_draw]
        drawn.extend(DrawnTarget(t, stratum.id, stratum.kind) for t in chosen)
    return drawn
