"""Small factories for the draw tests: candidates, inspectors and seeds."""

from __future__ import annotations

from spotcheck.classes import CreditRiskGrade, SupervisionClass
from spotcheck.draw import ExpertCandidate, InspectorCandidate, TargetCandidate
from spotcheck.record import derive_seed
from spotcheck.roles import Role

COUNTY = "130602"
OTHER_COUNTY = "130606"


def code(n: int, region: str = COUNTY) -> str:
    """An 18-character code, unique per (n, region); the draw does not check the check digit."""
    return f"91{region}{n:010d}"


def target(
    n: int = 0,
    *,
    region: str = COUNTY,
    cls: SupervisionClass = SupervisionClass.KEY,
    grade: CreditRiskGrade = CreditRiskGrade.B,
    industry: str = "化工",
    permit: str = "重点管理",
    tags: tuple[str, ...] = (),
    positive: bool = False,
) -> TargetCandidate:
    return TargetCandidate(
        code(n, region), f"企业{n}", region, industry, permit, cls, positive, grade, tags
    )


def targets(count: int, start: int = 0, **kwargs: object) -> list[TargetCandidate]:
    return [target(start + i, **kwargs) for i in range(count)]  # type: ignore[arg-type]


def inspector(
    n: int,
    *,
    region: str = COUNTY,
    specialties: tuple[str, ...] = (),
    role: Role = Role.INSPECTOR,
    load: int = 0,
) -> InspectorCandidate:
    return InspectorCandidate(f"{region}-{n:04d}", f"执法{n}", region, specialties, role, load)


def inspectors(count: int, start: int = 0, **kwargs: object) -> list[InspectorCandidate]:
    return [inspector(start + i, **kwargs) for i in range(count)]  # type: ignore[arg-type]


def expert(n: int, *, industries: tuple[str, ...] = ("化工",), load: int = 0) -> ExpertCandidate:
    return ExpertCandidate(f"E{n:03d}", f"专家{n}", COUNTY, industries, load)


def seed(n: int = 0) -> bytes:
    return derive_seed(f"test seed {n}", None)
