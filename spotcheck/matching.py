"""Inspector matching (第二个随机: random inspectors) for the drawn on-site targets.

Targets are served one by one in draw order. For each, a team of ``per_check`` (≥ 2, the
two-person rule of administrative enforcement) is picked from the eligible inspectors: role
执法人员 or 组长; at county level from the target's county; at city level from anywhere, and
with ``cross_region`` (异地交叉执法) from anywhere but the target's county; never one with a
declared conflict (回避) with the target; never one whose load reached ``max_per_quarter``.

Pick k of a team (k = 0, 1, …) takes the eligible people with the lowest current load — for
pick 0 only those whose specialties meet the target's tags or industry, when any such person is
eligible — sorts them by (county code, certificate number) and takes the one at index
H mod n, where n is their number and H is HMAC-SHA256(seed, "inspector-pick" ‖ 0x00 ‖
credit code ‖ 0x00 ‖ ascii(k)) read as a big-endian integer: a uniform choice among the
least-loaded, reproducible from the seed. Picking raises the load by one, so work spreads as
evenly as the constraints allow (greedy, in draw order). The lead (组长) is the member with role
LEAD with the lowest HMAC-SHA256(seed, "inspector" ‖ 0x00 ‖ credit code ‖ 0x00 ‖ cert no),
else the first member. Experts, when asked for, are picked the same way from the whole expert
pool ("expert-pick"), preferring those of the target's industry at every pick.
Off-site tasks get no team. When a team cannot be formed the whole draw is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace

from spotcheck.draw import (
    DrawnTarget,
    DrawRefused,
    ExpertCandidate,
    InspectorCandidate,
    Refusal,
    RefusalKind,
    TargetCandidate,
)
from spotcheck.quota import Level, TaskKind
from spotcheck.roles import Role


@dataclass(frozen=True, slots=True)
class MatchRules:
    per_check: int = 2  # inspectors per on-site check, never fewer than 2
    max_per_quarter: int | None = None  # cap on a person's checks this quarter, load included
    level: Level = Level.COUNTY
    cross_region: bool = False  # 异地交叉执法: city level only
    experts_per_check: int = 0

    def __post_init__(self) -> None:
        if self.per_check < 2:
            raise ValueError(f"at least 2 inspectors per check, not {self.per_check}")
        if self.max_per_quarter is not None and self.max_per_quarter < 1:
            raise ValueError("max_per_quarter must be at least 1")
        if self.experts_per_check < 0:
            raise ValueError("experts_per_check cannot be negative")
        if self.cross_region and self.level is not Level.CITY:
            raise ValueError("cross-region groups are formed by city-level draws only")

    def to_json(self) -> dict[str, object]:
        return {
            "per_check": self.per_check,
            "max_per_quarter": self.max_per_quarter,
            "level": self.level.value,
            "cross_region": self.cross_region,
            "experts_per_check": self.experts_per_check,
        }


@dataclass(frozen=True, slots=True)
class Assignment:
    """One task of a draw; off-site tasks have no inspectors, lead or experts."""

    target: str
    stratum: str
    kind: TaskKind
    inspectors: tuple[str, ...] = ()
    lead: str | None = None
    experts: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "target": self.target,
            "stratum": self.stratum,
            "kind": self.kind,  # a StrEnum member: JSON writes its value
            "inspectors": list(self.inspectors),
            "lead": self.lead,
            "experts": list(self.experts),
        }


@dataclass(frozen=True, slots=True)
class _Scope:
    region: str | None = None  # None: any county
    inside: bool = True  # True: only ``region``; False: every county but ``region``

    def admits(self, region: str) -> bool:
        return self.region is None or (region == self.region) == self.inside


def pick_index(seed: bytes, domain: str, credit_code: str, detail: str) -> int:
    message = b"\x00".join(s.encode() for s in (domain, credit_code, detail))
    return int.from_bytes(hmac.digest(seed, message, hashlib.sha256), "big")


def tie_key(seed: bytes, credit_code: str, cert_no: str) -> bytes:
    message = b"inspector\x00" + credit_code.encode() + b"\x00" + cert_no.encode()
    return hmac.digest(seed, message, hashlib.sha256)


_SEP = "\x1f"  # below every character a county code may hold


class _Pool:
    """People bucketed by load, also per specialty key; a bucket is a sorted list of entries
    ``county ‖ 0x1F ‖ id``, which sort exactly as (county, id) since counties hold no control
    characters, and one county's people are a contiguous slice.

    A target preferring several keys draws from the union of their buckets. A city has few
    distinct key sets and thousands of teams, so each union is built once per (key set, load)
    and kept up to date as loads rise, rather than merged again at every pick.
    """

    def __init__(self, people: Iterable[tuple[str, str, Iterable[str], int]], cap: int | None):
        self.cap = cap
        self.region: dict[str, str] = {}
        self.load: dict[str, int] = {}
        self.keys: dict[str, frozenset[str]] = {}
        self.buckets: defaultdict[int, list[str]] = defaultdict(list)
        self.keyed: defaultdict[str, defaultdict[int, list[str]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for pid, region, keys, load in people:
            if pid in self.load:
                raise ValueError(f"duplicate person {pid}")
            if load < 0 or any(c < " " for c in region):
                raise ValueError(f"bad load or county code of {pid}")
            self.region[pid], self.load[pid], self.keys[pid] = region, load, frozenset(keys)
            self.buckets[load].append(region + _SEP + pid)
            for key in self.keys[pid]:
                self.keyed[key][load].append(region + _SEP + pid)
        for bucket in self.buckets.values():
            bucket.sort()
        for by_load in self.keyed.values():
            for bucket in by_load.values():
                bucket.sort()
        self.unions: dict[tuple[str, ...], dict[int, list[str]]] = {}

    def bump(self, pid: str) -> None:
        load, entry, keys = self.load[pid], self.region[pid] + _SEP + pid, self.keys[pid]
        for by_load in [self.buckets, *(self.keyed[k] for k in keys)]:
            bucket = by_load[load]
            del bucket[bisect_left(bucket, entry)]
            insort(by_load[load + 1], entry)
        for key_set, unions in self.unions.items():
            if keys.isdisjoint(key_set):
                continue
            if (left := unions.get(load)) is not None:
                del left[bisect_left(left, entry)]
            if (joined := unions.get(load + 1)) is not None:
                insort(joined, entry)
        self.load[pid] = load + 1

    def _union(self, key_set: tuple[str, ...], load: int) -> list[str]:
        """The sorted union of the keys' buckets at this load (kept current by ``bump``)."""
        if len(key_set) == 1:
            return self.keyed[key_set[0]].get(load, [])
        by_load = self.unions.setdefault(key_set, {})
        if load not in by_load:
            by_load[load] = sorted(set().union(*(self.keyed[k].get(load, ()) for k in key_set)))
        return by_load[load]

    def choose(
        self, scope: _Scope, banned: AbstractSet[str], h: int, preferred: AbstractSet[str]
    ) -> str | None:
        """The pick at index h among the least-loaded eligible (preferred ones first)."""
        levels = sorted(
            n for n, b in self.buckets.items() if b and (self.cap is None or n < self.cap)
        )
        key_set = tuple(k for k in sorted(preferred) if k in self.keyed)
        for n in levels if key_set else ():
            pid = self._nth_allowed(self._union(key_set, n), scope, banned, h)
            if pid is not None:
                return pid
        for n in levels:
            pid = self._nth_allowed(self.buckets[n], scope, banned, h)
            if pid is not None:
                return pid
        return None

    def _nth_allowed(
        self, bucket: list[str], scope: _Scope, banned: AbstractSet[str], h: int
    ) -> str | None:
        """The entry at index h mod n of the bucket's in-scope, not banned entries."""
        skipped: list[int] = []
        for pid in banned:
            if pid in self.region:
                entry = self.region[pid] + _SEP + pid
                at = bisect_left(bucket, entry)
                if at < len(bucket) and bucket[at] == entry:
                    skipped.append(at)
        skipped.sort()
        spans = [(s, e, [p for p in skipped if s <= p < e]) for s, e in _ranges(bucket, scope)]
        total = sum(e - s - len(inside) for s, e, inside in spans)
        if total == 0:
            return None
        j = h % total
        for start, end, inside in spans:
            available = end - start - len(inside)
            if j < available:
                at = start + j
                for p in inside:
                    if p > at:
                        break
                    at += 1
                return bucket[at].partition(_SEP)[2]
            j -= available
        raise AssertionError("unreachable")

    def count(self, scope: _Scope, banned: AbstractSet[str], *, under_cap: bool) -> int:
        return sum(
            1
            for pid, region in self.region.items()
            if scope.admits(region)
            and pid not in banned
            and not (under_cap and self.cap is not None and self.load[pid] >= self.cap)
        )


def _ranges(bucket: list[str], scope: _Scope) -> list[tuple[int, int]]:
    if scope.region is None:
        return [(0, len(bucket))]
    lo = bisect_left(bucket, scope.region + _SEP)
    hi = bisect_left(bucket, scope.region + " ")
    return [(lo, hi)] if scope.inside else [(0, lo), (hi, len(bucket))]


def _scope(target: TargetCandidate, rules: MatchRules) -> _Scope:
    if rules.level is Level.COUNTY:
        return _Scope(target.region, inside=True)
    if rules.cross_region:
        return _Scope(target.region, inside=False)
    return _Scope()


def _target_keys(target: TargetCandidate) -> frozenset[str]:
    return frozenset(k for k in (*target.tags, target.industry) if k)


def _inspector_pool(inspectors: Iterable[InspectorCandidate], rules: MatchRules) -> _Pool:
    return _Pool(
        ((i.cert_no, i.region, i.specialties, i.load) for i in inspectors if i.role.inspects),
        rules.max_per_quarter,
    )


def _blocked(conflicts: Iterable[tuple[str, str]]) -> defaultdict[str, set[str]]:
    """回避: credit code → the people declared in conflict with that target."""
    by_target: defaultdict[str, set[str]] = defaultdict(set)
    for person, credit_code in conflicts:
        by_target[credit_code].add(person)
    return by_target


def _lead(team: Sequence[str], roles: dict[str, Role], seed: bytes, credit_code: str) -> str:
    leads = [c for c in team if roles.get(c) is Role.LEAD]
    if leads:
        return min(leads, key=lambda c: tie_key(seed, credit_code, c))
    return team[0]


@dataclass(frozen=True, slots=True)
class _Ask:
    """What one target asks of a pool: how many people, from where, whom to avoid."""

    domain: str  # "inspector-pick" or "expert-pick"
    target: TargetCandidate
    scope: _Scope
    blocked: AbstractSet[str]  # 回避 and whoever may not serve
    needed: int
    preferred: frozenset[str]  # specialty keys that make a person preferred
    prefer_every_pick: bool  # experts: every pick; inspectors: the first only
    few: RefusalKind


def _refuse(pool: _Pool, ask: _Ask, team: Sequence[str]) -> DrawRefused:
    target = ask.target
    anyone = pool.count(ask.scope, ask.blocked, under_cap=False)
    if anyone < ask.needed or pool.cap is None:
        return DrawRefused(Refusal(ask.few, ask.needed, anyone, target.region, target.credit_code))
    under_cap = len(team) + pool.count(ask.scope, ask.blocked | set(team), under_cap=True)
    kind = RefusalKind.WORKLOAD_CAP
    return DrawRefused(
        Refusal(kind, ask.needed, under_cap, target.region, target.credit_code, cap=pool.cap)
    )


def _pick(pool: _Pool, seed: bytes, ask: _Ask) -> list[str]:
    chosen: list[str] = []
    for k in range(ask.needed):
        h = pick_index(seed, ask.domain, ask.target.credit_code, str(k))
        wanted = ask.preferred if ask.prefer_every_pick or k == 0 else frozenset()
        pid = pool.choose(ask.scope, ask.blocked | set(chosen), h, wanted)
        if pid is None:
            raise _refuse(pool, ask, chosen)
        pool.bump(pid)
        chosen.append(pid)
    return chosen


def match_inspectors(
    drawn: Sequence[DrawnTarget],
    inspectors: Iterable[InspectorCandidate],
    conflicts: Iterable[tuple[str, str]],
    seed: bytes,
    rules: MatchRules,
    experts: Iterable[ExpertCandidate] = (),
) -> tuple[Assignment, ...]:
    """One assignment per drawn target, in draw order; raises DrawRefused when a team fails.

    ``conflicts`` holds (person id, credit code) pairs, for inspectors and experts alike.
    """
    inspectors = list(inspectors)
    roles = {i.cert_no: i.role for i in inspectors}
    pool = _inspector_pool(inspectors, rules)
    expert_pool = _Pool(
        ((e.expert_id, e.region, e.industries, e.load) for e in experts), rules.max_per_quarter
    )
    blocked = _blocked(conflicts)
    result: list[Assignment] = []
    for item in drawn:
        target = item.target
        if item.kind is TaskKind.OFFSITE:
            result.append(Assignment(target.credit_code, item.stratum, item.kind))
            continue
        avoid = blocked.get(target.credit_code, set())
        team = _pick(
            pool,
            seed,
            _Ask(
                "inspector-pick",
                target,
                _scope(target, rules),
                avoid,
                rules.per_check,
                _target_keys(target),
                False,
                RefusalKind.TOO_FEW_INSPECTORS,
            ),
        )
        panel = _pick(
            expert_pool,
            seed,
            _Ask(
                "expert-pick",
                target,
                _Scope(),
                avoid,
                rules.experts_per_check,
                frozenset({target.industry}) - {""},
                True,
                RefusalKind.TOO_FEW_EXPERTS,
            ),
        )
        lead = _lead(team, roles, seed, target.credit_code)
        result.append(
            Assignment(target.credit_code, item.stratum, item.kind, tuple(team), lead, tuple(panel))
        )
    return tuple(result)


def replace_inspector(
    assignments: Sequence[Assignment],
    target: TargetCandidate,
    removed: str,
    inspectors: Iterable[InspectorCandidate],
    conflicts: Iterable[tuple[str, str]],
    seed: bytes,
    rules: MatchRules,
) -> tuple[Assignment, ...]:
    """The assignments with ``removed`` replaced on ``target``'s team, under the same rules.

    Loads are those of ``inspectors`` now (the caller's current counts). The newcomer takes the
    removed member's place, is neither on the team nor the removed one, and is drawn with
    H = HMAC-SHA256(seed, "inspector-replace" ‖ 0x00 ‖ credit code ‖ 0x00 ‖ removed cert no),
    preferring specialists when no remaining member is one. The lead changes only when the
    lead was removed.
    """
    at = next((i for i, a in enumerate(assignments) if a.target == target.credit_code), None)
    if at is None or assignments[at].kind is not TaskKind.ONSITE:
        raise ValueError(f"no on-site assignment for {target.credit_code}")
    old = assignments[at]
    if removed not in old.inspectors:
        raise ValueError(f"{removed} is not on the team of {target.credit_code}")
    inspectors = list(inspectors)
    roles = {i.cert_no: i.role for i in inspectors}
    pool = _inspector_pool(inspectors, rules)
    keys = _target_keys(target)
    remaining = [c for c in old.inspectors if c != removed]
    covered = any(keys & pool.keys.get(c, frozenset()) for c in remaining)
    avoid = _blocked(conflicts).get(target.credit_code, set()) | {removed}
    scope = _scope(target, rules)
    h = pick_index(seed, "inspector-replace", target.credit_code, removed)
    pid = pool.choose(scope, avoid | set(old.inspectors), h, frozenset() if covered else keys)
    if pid is None:
        ask = _Ask(
            "inspector-replace",
            target,
            scope,
            avoid,
            rules.per_check,
            keys,
            False,
            RefusalKind.TOO_FEW_INSPECTORS,
        )
        raise _refuse(pool, ask, remaining)
    team = tuple(pid if c == removed else c for c in old.inspectors)
    lead = _lead(team, roles, seed, target.credit_code) if old.lead == removed else old.lead
    changed = replace(old, inspectors=team, lead=lead)
    return (*assignments[:at], changed, *assignments[at + 1 :])
