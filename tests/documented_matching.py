"""The matching rules of docs/draw-algorithm.md written the slow, obvious way, pick by pick.

The property tests hold the matcher to them, and the document's worked example is checked
against their trace (which people were eligible at each pick, n, H, the one chosen). H is
computed here from the document's formula, not with the matcher's helpers.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from spotcheck.draw import ExpertCandidate, InspectorCandidate, TargetCandidate
from spotcheck.matching import MatchRules
from spotcheck.quota import Level
from spotcheck.roles import Role


@dataclass(frozen=True)
class Person:
    id: str  # cert no or expert id
    region: str
    keys: frozenset[str]  # specialties (inspectors) or industries (experts)
    lead: bool


@dataclass(frozen=True)
class Pick:
    target: str
    domain: str  # "inspector-pick", "expert-pick" or "inspector-replace"
    detail: str  # the pick's k, or the removed member for a replacement
    least: tuple[str, ...]  # the candidates at the lowest load, sorted by (region, id)
    h: int
    chosen: str

    @property
    def index(self) -> int:
        return self.h % len(self.least)


@dataclass(frozen=True)
class Team:
    inspectors: tuple[str, ...]
    lead: str | None
    experts: tuple[str, ...]
    picks: tuple[Pick, ...]


def hmac_of(seed: bytes, *parts: str) -> bytes:
    """HMAC-SHA256(seed, UTF-8 parts joined by 0x00)."""
    return hmac.new(seed, b"\x00".join(p.encode() for p in parts), hashlib.sha256).digest()


def inspector_people(inspectors: Iterable[InspectorCandidate]) -> dict[str, Person]:
    """Only 执法人员 and 组长 are ever drawn."""
    return {
        i.cert_no: Person(i.cert_no, i.region, frozenset(i.specialties), i.role is Role.LEAD)
        for i in inspectors
        if i.role in (Role.INSPECTOR, Role.LEAD)
    }


def expert_people(experts: Iterable[ExpertCandidate]) -> dict[str, Person]:
    return {
        e.expert_id: Person(e.expert_id, e.region, frozenset(e.industries), False) for e in experts
    }


def target_keys(target: TargetCandidate) -> frozenset[str]:
    return frozenset(k for k in (*target.tags, target.industry) if k)


def anyone(person: Person) -> bool:
    return True


def free(
    scope: Callable[[Person], bool],
    taken: Sequence[str],
    code: str,
    conflicts: set[tuple[str, str]],
) -> Callable[[Person], bool]:
    """In scope, not taken (on the team, or the removed one) and no declared conflict."""
    return lambda p: scope(p) and p.id not in taken and (p.id, code) not in conflicts


def in_scope(rules: MatchRules, target: TargetCandidate) -> Callable[[Person], bool]:
    if rules.level is Level.COUNTY:
        return lambda p: p.region == target.region
    if rules.cross_region:
        return lambda p: p.region != target.region
    return anyone


def pick(
    people: dict[str, Person],
    load: dict[str, int],
    seed: bytes,
    ask: tuple[str, TargetCandidate, str],
    allowed: Callable[[Person], bool],
    preferred: frozenset[str],
    cap: int | None,
) -> Pick | None:
    """One pick: the cap, then the preferred (when any is eligible), then the lowest load;
    sorted by (region, id), index H mod n. Raises the chosen one's load."""
    domain, target, detail = ask
    eligible = [p for p in people.values() if allowed(p) and (cap is None or load[p.id] < cap)]
    pool = [p for p in eligible if p.keys & preferred] or eligible
    if not pool:
        return None
    lowest = min(load[p.id] for p in pool)
    least = tuple(
        p.id for p in sorted(pool, key=lambda p: (p.region, p.id)) if load[p.id] == lowest
    )
    h = int.from_bytes(hmac_of(seed, domain, target.credit_code, detail), "big")
    chosen = least[h % len(least)]
    load[chosen] += 1
    return Pick(target.credit_code, domain, detail, least, h, chosen)


def lead_of(team: Sequence[str], people: dict[str, Person], seed: bytes, code: str) -> str:
    leads = [c for c in team if c in people and people[c].lead]
    if not leads:
        return team[0]
    return min(leads, key=lambda c: hmac_of(seed, "inspector", code, c))


def documented_matching(
    population: Sequence[TargetCandidate],
    inspectors: Iterable[InspectorCandidate],
    conflicts: Iterable[tuple[str, str]],
    seed: bytes,
    rules: MatchRules,
    experts: Iterable[ExpertCandidate] = (),
) -> list[Team] | None:
    """Teams for the on-site targets in draw order; None when one cannot be formed."""
    inspectors, experts = list(inspectors), list(experts)
    people, panel_pool = inspector_people(inspectors), expert_people(experts)
    load = {i.cert_no: i.load for i in inspectors if i.cert_no in people}
    expert_load = {e.expert_id: e.load for e in experts}
    conflicts = set(conflicts)
    result = []
    for t in population:
        code = t.credit_code
        team: list[str] = []
        panel: list[str] = []
        picks: list[Pick] = []
        scope = in_scope(rules, t)
        for k in range(rules.per_check):
            made = pick(
                people,
                load,
                seed,
                ("inspector-pick", t, str(k)),
                free(scope, team, code, conflicts),
                target_keys(t) if k == 0 else frozenset(),
                rules.max_per_quarter,
            )
            if made is None:
                return None
            team.append(made.chosen)
            picks.append(made)
        for k in range(rules.experts_per_check):
            made = pick(
                panel_pool,
                expert_load,
                seed,
                ("expert-pick", t, str(k)),
                free(anyone, panel, code, conflicts),
                frozenset({t.industry}) - {""},
                rules.max_per_quarter,
            )
            if made is None:
                return None
            panel.append(made.chosen)
            picks.append(made)
        lead = lead_of(team, people, seed, code)
        result.append(Team(tuple(team), lead, tuple(panel), tuple(picks)))
    return result


def documented_replacement(
    team: Sequence[str],
    lead: str | None,
    target: TargetCandidate,
    removed: str,
    inspectors: Iterable[InspectorCandidate],
    conflicts: Iterable[tuple[str, str]],
    seed: bytes,
    rules: MatchRules,
) -> Team | None:
    """The team with ``removed`` replaced: nobody of the team (nor he) returns; specialists are
    preferred only when no remaining member is one; the newcomer takes his place; the lead is
    chosen again only when he led."""
    inspectors = list(inspectors)
    people = inspector_people(inspectors)
    load = {i.cert_no: i.load for i in inspectors if i.cert_no in people}
    code, keys = target.credit_code, target_keys(target)
    covered = any(keys & people[c].keys for c in team if c != removed and c in people)
    scope, conflicts = in_scope(rules, target), set(conflicts)
    made = pick(
        people,
        load,
        seed,
        ("inspector-replace", target, removed),
        free(scope, team, code, conflicts),
        frozenset() if covered else keys,
        rules.max_per_quarter,
    )
    if made is None:
        return None
    new_team = tuple(made.chosen if c == removed else c for c in team)
    new_lead = lead_of(new_team, people, seed, code) if lead == removed else lead
    return Team(new_team, new_lead, (), (made,))
