"""Draw records anyone can re-compute: canonical JSON, list hashes, seeds and verification.

A record is canonical JSON (keys sorted, UTF-8, no spaces, no floats) of a body that is a pure
function of its own contents: the candidate lists, the parameters and the seed. ``verify_record``
parses those back, runs the draw again and reports the first place the record disagrees.
The caller adds ``id``, ``created_by``, ``created_at``, ``amends`` and ``reason``; they are not
recomputed.

Seed: SHA-256(b"shuangsuiji-seed-v1" ‖ 0x00 ‖ entropy ‖ 0x00 ‖ utf8(public text)), an absent
part counting as empty. Server entropy is exactly 32 bytes and the public text holds no NUL, so
the encoding is unambiguous. A commitment is SHA-256(entropy) in hex, published before the draw
(RFC 3797 spirit: the public text is announced in advance and nobody controls it alone).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from operator import attrgetter, itemgetter
from typing import TypeVar

import orjson

from spotcheck.classes import CreditRiskGrade, SupervisionClass
from spotcheck.deadlines import QUARTER_PATTERN
from spotcheck.draw import (
    DrawFilters,
    DrawnTarget,
    DrawRefused,
    ExclusionReason,
    ExpertCandidate,
    InspectorCandidate,
    TargetCandidate,
    draw_targets,
    filter_candidates,
    planning_population,
)
from spotcheck.matching import Assignment, MatchRules, match_inspectors, replace_inspector
from spotcheck.quota import (
    LATEST_VERSION,
    GradeMultipliers,
    Level,
    Ratios,
    StratumPlan,
    TaskKind,
    plan_quarter,
    stratum_of,
)
from spotcheck.roles import Role
from spotcheck.states import RecordKind

ALGORITHM_NAME = "shuangsuiji-hmac-rank"
# 1: quotas by largest remainders; 2: then risk-monotone (quota.risk_monotone). Old records keep
# verifying under the version they name.
ALGORITHM_VERSIONS = (1, LATEST_VERSION)
SEED_DOMAIN = b"shuangsuiji-seed-v1"
ENTROPY_BYTES = 32
CALLER_FIELDS = frozenset({"id", "created_by", "created_at", "amends", "reason"})
# The candidate lists: stored once each by hash; a record names them by ``<name>_sha256``.
LIST_NAMES = ("targets", "inspectors", "conflicts", "experts")
_ORDER = (
    "algorithm",
    "kind",
    "seed",
    "parameters",
    "targets_sha256",
    "inspectors_sha256",
    "experts_sha256",
    "conflicts_sha256",
    "targets",
    "inspectors",
    "experts",
    "conflicts",
    "exclusions",
    "strata",
    "amended_assignments",
    "replaced",
    "assignments",
)
E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def canonical_json(value: object) -> bytes:
    """Sorted keys, no whitespace, UTF-8 unescaped: the bytes of the standard library's
    ``json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))``.

    Written by orjson, which produces exactly those bytes for what records hold (a test holds
    it to that) about ten times faster: a city draw's candidate lists run to tens of
    megabytes. Records hold only strings, integers, booleans, null, lists and objects: ratios
    are fraction strings such as "1/4", never floats.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson refuses integers beyond 64 bits and keys that are not plain str
        # (a tampered record read back may hold them): the standard library writes them.
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8")


def list_sha256(items: Sequence[object]) -> str:
    """sha256 hex of the canonical JSON of an already sorted list."""
    return hashlib.sha256(canonical_json(list(items))).hexdigest()


def derive_seed(public_text: str | None, revealed_entropy: bytes | None) -> bytes:
    if public_text is None and revealed_entropy is None:
        raise ValueError("a seed needs a public text, server entropy or both")
    if public_text is not None and "\x00" in public_text:
        raise ValueError("the public seed text cannot contain NUL")
    if revealed_entropy is not None and len(revealed_entropy) != ENTROPY_BYTES:
        raise ValueError(f"server entropy must be {ENTROPY_BYTES} bytes")
    text = (public_text or "").encode("utf-8")
    return hashlib.sha256(
        SEED_DOMAIN + b"\x00" + (revealed_entropy or b"") + b"\x00" + text
    ).digest()


def commitment_of(entropy: bytes) -> str:
    return hashlib.sha256(entropy).hexdigest()


@dataclass(frozen=True, slots=True)
class SeedInput:
    public_text: str | None = None  # e.g. lottery numbers announced in advance
    entropy: bytes | None = None  # server entropy (secrets.token_bytes(32)), revealed
    commitment: str | None = None  # its SHA-256, published before the draw

    def value(self) -> bytes:
        if self.commitment is not None and (
            self.entropy is None or commitment_of(self.entropy) != self.commitment
        ):
            raise ValueError("the revealed entropy does not match the commitment")
        return derive_seed(self.public_text, self.entropy)

    def to_json(self) -> dict[str, object]:
        return {
            "value": self.value().hex(),
            "public_text": self.public_text,
            "entropy": None if self.entropy is None else self.entropy.hex(),
            "commitment": self.commitment,
        }


class JointKind(StrEnum):
    NONE = "none"
    INTERNAL = "internal"  # 内部联合: several offices of the bureau
    CROSS_DEPARTMENT = "cross_department"  # 部门联合: with other departments


@dataclass(frozen=True, slots=True)
class JointCheck:
    kind: JointKind = JointKind.NONE
    parties: tuple[str, ...] = ()  # offices (internal) or departments (cross-department)

    def __post_init__(self) -> None:
        if self.kind is JointKind.NONE and self.parties:
            raise ValueError("a check that is not joint names no parties")
        if self.kind is JointKind.INTERNAL and len(set(self.parties)) < 2:
            raise ValueError("an internal joint check names at least two offices")
        if self.kind is JointKind.CROSS_DEPARTMENT and not self.parties:
            raise ValueError("a cross-department check names the departments")

    def to_json(self) -> dict[str, object]:
        if self.kind is JointKind.NONE:
            return {"kind": "none"}
        key = "offices" if self.kind is JointKind.INTERNAL else "departments"
        return {"kind": self.kind.value, key: sorted(set(self.parties))}


@dataclass(frozen=True)
class DrawInputs:
    quarter: str  # "2024Q1"
    level: Level
    seed: SeedInput
    targets: Sequence[TargetCandidate]
    inspectors: Sequence[InspectorCandidate]
    rules: MatchRules
    region: str | None = None
    supervision_class: SupervisionClass | None = None
    filters: DrawFilters = field(default_factory=DrawFilters)
    ratios: Ratios = field(default_factory=Ratios)
    multipliers: GradeMultipliers = field(default_factory=GradeMultipliers)
    joint: JointCheck = field(default_factory=JointCheck)
    experts: Sequence[ExpertCandidate] = ()
    conflicts: frozenset[tuple[str, str]] = frozenset()  # (cert no or expert id, credit code)
    exclusions: Mapping[str, str] = field(default_factory=dict)  # credit code → reason
    version: int = LATEST_VERSION  # the algorithm's
    # Lists the caller already stored, by name → SHA-256 (the directory's targets at this
    # state): named, not encoded again. Never set when verifying.
    known_lists: Mapping[str, str] = field(default_factory=dict)
    # False when the caller keeps the lists' bytes only (the bot stores them apart): the body
    # then names the targets list by hash without holding its items. Verifying keeps them.
    keep_list_items: bool = True


@dataclass(frozen=True)
class ReplacementInputs:
    quarter: str
    seed: SeedInput
    target: TargetCandidate
    removed: str  # the cert no leaving the team
    amended_assignments: Sequence[Assignment]
    inspectors: Sequence[InspectorCandidate]  # with their loads now
    rules: MatchRules
    conflicts: frozenset[tuple[str, str]] = frozenset()
    version: int = LATEST_VERSION  # the algorithm's (a replacement plans no quota)


def algorithm(version: int) -> dict[str, object]:
    """The record's ``algorithm`` field."""
    return {"name": ALGORITHM_NAME, "version": version}


@dataclass(frozen=True, slots=True)
class VerifyOutcome:
    ok: bool
    first_difference: str | None = None  # a path such as "assignments[3].inspectors"
    # A public extract (spotcheck/public_record.py) was checked: the target draw only, since
    # the inspector lists are not public.
    targets_only: bool = False


def _check_quarter(quarter: str) -> None:
    if not QUARTER_PATTERN.fullmatch(quarter):
        raise ValueError(f"not a quarter like 2024Q1: {quarter!r}")


def plan_draw(
    inputs: DrawInputs, filtered: Sequence[TargetCandidate] | None = None
) -> tuple[StratumPlan, ...]:
    """The strata of a draw (for ``draw --dry-run``): filters, then inactive exclusions."""
    if filtered is None:
        filtered = filter_candidates(inputs.targets, inputs.filters)
    # In the population but never drawn: excluded for any reason but these two (inactive ones
    # leave the population, already drawn ones count towards the quota).
    counted = (ExclusionReason.INACTIVE, ExclusionReason.ALREADY_DRAWN)
    undrawable = Counter(
        stratum_of(inputs.level, t)
        for t in filtered
        if t.credit_code in inputs.exclusions and inputs.exclusions[t.credit_code] not in counted
    )
    strata = plan_quarter(
        inputs.level,
        planning_population(filtered, inputs.exclusions),
        inputs.ratios,
        inputs.multipliers,
        region=inputs.region,
        supervision_class=inputs.supervision_class,
        version=inputs.version,
        undrawable=undrawable,
    )
    already = Counter(
        stratum_of(inputs.level, t)
        for t in filtered
        if inputs.exclusions.get(t.credit_code) == ExclusionReason.ALREADY_DRAWN
    )
    return tuple(replace(s, already_drawn=already[s.id]) if already[s.id] else s for s in strata)


def target_draw(inputs: DrawInputs) -> tuple[tuple[StratumPlan, ...], list[DrawnTarget]]:
    """The first random (targets): the strata and the drawn targets. The inspector, expert and
    conflict lists play no part in it, so a public extract without them re-computes it."""
    filtered = filter_candidates(inputs.targets, inputs.filters)
    strata = plan_draw(inputs, filtered)
    return strata, draw_targets(strata, filtered, inputs.seed.value(), inputs.exclusions)


def draw_parameters(inputs: DrawInputs) -> dict[str, object]:
    """The ``parameters`` of a draw record."""
    return {
        "quarter": inputs.quarter,
        "level": inputs.level.value,
        "region": inputs.region,
        "class": None if inputs.supervision_class is None else inputs.supervision_class.value,
        "filters": inputs.filters.to_json(),
        "ratios": inputs.ratios.to_json(),
        "multipliers": inputs.multipliers.to_json(),
        "rules": inputs.rules.to_json(),
        "joint": inputs.joint.to_json(),
    }


class EncodedRecord:
    """A record body and its canonical JSON, assembled from parts.

    A city draw's candidate lists run to tens of megabytes; each is encoded once, hashed from
    those bytes, and the same bytes are spliced into the whole record's canonical JSON (keys
    sorted, so the object is their concatenation in order). ``canonical(extra)`` adds the
    caller's fields (id, created_at …) without encoding the lists again.
    """

    def __init__(self, body: dict[str, object], encoded: Mapping[str, bytes]) -> None:
        self.body = body
        self._encoded = dict(encoded)

    @classmethod
    def stored(cls, compact: dict[str, object], lists: Mapping[str, bytes]) -> EncodedRecord:
        """A record as stored (``compact``) with its lists' bytes, to publish whole."""
        return cls({**compact, **dict.fromkeys(lists)}, lists)

    def compact(self) -> bytes:
        """The record as stored: every field but the lists' items, which it names by hash."""
        return canonical_json({k: v for k, v in self.body.items() if k not in LIST_NAMES})

    def lists(self) -> dict[str, bytes]:
        """The canonical bytes of the lists encoded here, by name (not those only named)."""
        return {k: v for k, v in self._encoded.items() if k in LIST_NAMES}

    def canonical(self, extra: Mapping[str, object] | None = None) -> bytes:
        for key, value in self.body.items():  # each part is encoded once, however often asked
            if key not in self._encoded:
                self._encoded[key] = canonical_json(value)
        parts = {**self._encoded, **{k: canonical_json(v) for k, v in (extra or {}).items()}}
        return b"{" + b",".join(canonical_json(k) + b":" + parts[k] for k in sorted(parts)) + b"}"


def _encoded_list(
    name: str, items: Sequence[object], body: dict[str, object], encoded: dict[str, bytes]
) -> None:
    data = canonical_json(list(items))
    body[name] = items
    body[f"{name}_sha256"] = hashlib.sha256(data).hexdigest()
    encoded[name] = data


def _lists(
    targets: Sequence[TargetCandidate],
    inspectors: Sequence[InspectorCandidate],
    conflicts: frozenset[tuple[str, str]],
    experts: Sequence[ExpertCandidate] | None = None,
    known: Mapping[str, str] | None = None,
    keep_items: bool = True,
) -> tuple[dict[str, object], dict[str, bytes]]:
    """The candidate lists, sorted, with their hashes; and their canonical bytes. A list whose
    hash is ``known`` (the caller encoded this very list before) is named by it, not encoded;
    without ``keep_items`` the targets list is encoded but not kept as items in the body."""
    known = known or {}
    body: dict[str, object] = {}
    encoded: dict[str, bytes] = {}
    if "targets" in known:
        body["targets_sha256"] = known["targets"]
    elif not keep_items:
        # The same bytes as the list encoded whole, a thousand targets at a time: a city's
        # 200,000 never exist as JSON objects, nor as 200,000 small byte strings (orjson's each
        # keeps a buffer far larger than itself), all at once.
        ordered = sorted(targets, key=attrgetter("credit_code"))
        chunks = [
            b",".join([canonical_json(t.to_json()) for t in ordered[i : i + 1000]])
            for i in range(0, len(ordered), 1000)
        ]
        data = b"[" + b",".join(chunks) + b"]"
        body["targets_sha256"] = hashlib.sha256(data).hexdigest()
        encoded["targets"] = data
    else:
        targets_json = [x.to_json() for x in targets]
        targets_json.sort(key=itemgetter("credit_code"))
        _encoded_list("targets", targets_json, body, encoded)
    inspectors_json = [x.to_json() for x in inspectors]
    inspectors_json.sort(key=itemgetter("cert_no"))
    _encoded_list("inspectors", inspectors_json, body, encoded)
    _encoded_list("conflicts", sorted([person, code] for person, code in conflicts), body, encoded)
    if experts is not None:
        experts_json = [x.to_json() for x in experts]
        experts_json.sort(key=itemgetter("expert_id"))
        _encoded_list("experts", experts_json, body, encoded)
    return body, encoded


def compute_draw(inputs: DrawInputs) -> dict[str, object]:
    """The record body of a draw; raises DrawRefused when the rules cannot be met."""
    return draw_record(inputs).body


def draw_record(inputs: DrawInputs) -> EncodedRecord:
    """compute_draw with the canonical JSON at hand (see EncodedRecord)."""
    _check_quarter(inputs.quarter)
    if inputs.rules.level is not inputs.level:
        raise ValueError("the matching rules are for another level")
    strata, drawn = target_draw(inputs)
    assignments = match_inspectors(
        drawn,
        inputs.inspectors,
        inputs.conflicts,
        inputs.seed.value(),
        inputs.rules,
        inputs.experts,
    )
    lists, encoded = _lists(
        inputs.targets,
        inputs.inspectors,
        inputs.conflicts,
        inputs.experts,
        inputs.known_lists,
        inputs.keep_list_items,
    )
    body: dict[str, object] = {
        "algorithm": algorithm(inputs.version),
        "kind": RecordKind.DRAW.value,
        "seed": inputs.seed.to_json(),
        "parameters": draw_parameters(inputs),
        **lists,
        "exclusions": dict(sorted(inputs.exclusions.items())),
        "strata": [s.to_json() for s in strata],
        "assignments": [a.to_json() for a in assignments],
        "amends": None,
        "reason": None,
    }
    return EncodedRecord(body, encoded)


def compute_replacement(inputs: ReplacementInputs) -> dict[str, object]:
    """The record body of a replacement; it carries what it needs to be verified alone."""
    return replacement_record(inputs).body


def replacement_record(inputs: ReplacementInputs) -> EncodedRecord:
    """compute_replacement with the canonical JSON at hand (see EncodedRecord)."""
    _check_quarter(inputs.quarter)
    seed = inputs.seed.value()
    assignments = replace_inspector(
        inputs.amended_assignments,
        inputs.target,
        inputs.removed,
        inputs.inspectors,
        inputs.conflicts,
        seed,
        inputs.rules,
    )
    lists, encoded = _lists([inputs.target], inputs.inspectors, inputs.conflicts)
    body: dict[str, object] = {
        "algorithm": algorithm(inputs.version),
        "kind": RecordKind.REPLACEMENT.value,
        "seed": inputs.seed.to_json(),
        "parameters": {
            "quarter": inputs.quarter,
            "level": inputs.rules.level.value,
            "rules": inputs.rules.to_json(),
        },
        **lists,
        "replaced": {"target": inputs.target.credit_code, "inspector": inputs.removed},
        "amended_assignments": [a.to_json() for a in inputs.amended_assignments],
        "assignments": [a.to_json() for a in assignments],
        "amends": None,
        "reason": None,
    }
    return EncodedRecord(body, encoded)


def verify_record(record: Mapping[str, object]) -> VerifyOutcome:
    """Recompute a record from itself; the first differing path, or ok."""
    body = dict(record)
    try:
        algorithm_version(body)
        seed = _checked_seed(body)
        kind = body.get("kind")
        if kind == RecordKind.DRAW:
            expected = compute_draw(_draw_inputs(body, seed))
        elif kind == RecordKind.REPLACEMENT:
            expected = compute_replacement(_replacement_inputs(body, seed))
        else:
            return VerifyOutcome(False, "kind")
    except RecordError as error:
        return VerifyOutcome(False, error.path)
    except DrawRefused:
        return VerifyOutcome(False, "assignments")
    except ValueError:
        return VerifyOutcome(False, "parameters")
    ours = {k: v for k, v in expected.items() if k not in CALLER_FIELDS}
    theirs = {k: v for k, v in body.items() if k not in CALLER_FIELDS}
    difference = first_difference(ours, theirs, "")
    return VerifyOutcome(difference is None, difference)


def algorithm_version(record: Mapping[str, object]) -> int:
    """The version a record's ``algorithm`` names, if it is ours and known (an int: JSON's
    true is no version); else RecordError("algorithm")."""
    named = record.get("algorithm")
    if isinstance(named, dict) and type(named.get("version")) is int:
        version: int = named["version"]
        if version in ALGORITHM_VERSIONS and named == algorithm(version):
            return version
    raise RecordError("algorithm")


# Lists whose items were parsed with strict types or hold only strings and nulls, so that ==
# on them is a strict comparison; it spares a walk over hundreds of thousands of values.
_PARSED_LISTS = frozenset(
    {
        "targets",
        "inspectors",
        "experts",
        "conflicts",
        "exclusions",
        "amended_assignments",
        "assignments",
    }
)


def first_difference(expected: object, actual: object, path: str = "") -> str | None:
    """The first path where two JSON values differ; strings compare as text, a bool is no int."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return path or "record"
        keys = set(expected) | set(actual)
        ordered = [k for k in _ORDER if k in keys] if not path else []
        ordered += sorted(keys - set(ordered))
        for key in ordered:
            where = f"{path}.{key}" if path else key
            if key not in expected or key not in actual:
                return where
            if not path and key in _PARSED_LISTS and expected[key] == actual[key]:
                continue
            found = first_difference(expected[key], actual[key], where)
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return path
        for i in range(max(len(expected), len(actual))):
            if i >= len(expected) or i >= len(actual):
                return f"{path}[{i}]"
            found = first_difference(expected[i], actual[i], f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(expected, str):
        return None if isinstance(actual, str) and expected == actual else path
    return None if type(expected) is type(actual) and expected == actual else path


# Reading a record back, with the path of the first thing that does not parse.


def read_draw_inputs(record: Mapping[str, object]) -> DrawInputs:
    """The inputs of a draw record (kind "draw"); RecordError names the first bad path."""
    body = dict(record)
    return _draw_inputs(body, _seed(_get(body, "seed", "", dict)))


def read_target_draw_inputs(record: Mapping[str, object]) -> DrawInputs:
    """The inputs of a draw's target half (see ``target_draw``) from a record or a public
    extract: no inspectors, experts or conflicts are read; RecordError names the first bad path
    (``seed.commitment`` when the revealed entropy does not match its commitment)."""
    body = dict(record)
    return _draw_inputs(body, _checked_seed(body), people=False)


def read_assignments(record: Mapping[str, object]) -> list[Assignment]:
    """The assignments of a draw or replacement record, e.g. to amend them."""
    return _items(dict(record), "assignments", _assignment)


def read_targets(record: Mapping[str, object]) -> list[TargetCandidate]:
    return _items(dict(record), "targets", _target, "credit_code")


def read_rules(record: Mapping[str, object]) -> MatchRules:
    return _rules(_get(dict(record), "parameters", "", dict))


class RecordError(ValueError):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def _get(obj: object, key: str, path: str, kind: type[T]) -> T:
    where = f"{path}.{key}" if path else key
    if not isinstance(obj, dict) or key not in obj:
        raise RecordError(where)
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise RecordError(where)
    return value


def _opt(obj: object, key: str, path: str, kind: type[T]) -> T | None:
    if isinstance(obj, dict) and obj.get(key, 0) is None:
        return None
    return _get(obj, key, path, kind)


def _texts(obj: object, key: str, path: str) -> tuple[str, ...]:
    items = _get(obj, key, path, list)
    if not all(isinstance(x, str) for x in items):
        raise RecordError(f"{path}.{key}")
    return tuple(items)


def _enum(cls: type[E], obj: object, key: str, path: str) -> E:
    try:
        return cls(_get(obj, key, path, str))
    except ValueError:
        raise RecordError(f"{path}.{key}") from None


def _items(
    record: object, key: str, read: Callable[[object, str], T], unique: str | None = None
) -> list[T]:
    """The parsed items of a top-level list; ``unique`` names a field no two items share."""
    items = [read(item, f"{key}[{i}]") for i, item in enumerate(_get(record, key, "", list))]
    if unique is not None:
        seen: set[object] = set()
        for i, item in enumerate(items):
            value = getattr(item, unique)
            if value in seen:
                raise RecordError(f"{key}[{i}].{unique}")
            seen.add(value)
    return items


def _checked_seed(record: dict[str, object]) -> SeedInput:
    seed = _seed(_get(record, "seed", "", dict))
    if seed.commitment is not None and (
        seed.entropy is None or commitment_of(seed.entropy) != seed.commitment
    ):
        raise RecordError("seed.commitment")
    return seed


def _seed(obj: dict[str, object]) -> SeedInput:
    entropy = _opt(obj, "entropy", "seed", str)
    try:
        raw = None if entropy is None else bytes.fromhex(entropy)
    except ValueError:
        raise RecordError("seed.entropy") from None
    return SeedInput(
        _opt(obj, "public_text", "seed", str), raw, _opt(obj, "commitment", "seed", str)
    )


_CLASSES = {c.value: c for c in SupervisionClass}
_GRADES = {g.value: g for g in CreditRiskGrade}
_ROLES = {r.value: r for r in Role}
_KINDS = {k.value: k for k in TaskKind}


def _all_text(*values: object) -> bool:
    return all(type(v) is str for v in values)


# Each reader tries a fast path for a well-formed item and falls back to the checked one,
# which names the first bad field.


def _target(obj: object, path: str) -> TargetCandidate:
    if type(obj) is dict:
        try:
            made = TargetCandidate(
                obj["credit_code"],
                obj["name"],
                obj["region"],
                obj["industry"],
                obj["permit_category"],
                _CLASSES[obj["supervision_class"]],
                obj["positive_list"],
                _GRADES[obj["credit_grade"]],
                tuple(obj["tags"]),
            )
        except (KeyError, TypeError):
            pass
        else:
            if (
                _all_text(made.credit_code, made.name, made.region, made.industry)
                and _all_text(made.permit_category, *made.tags)
                and type(made.positive_list) is bool
            ):
                return made
    return TargetCandidate(
        credit_code=_get(obj, "credit_code", path, str),
        name=_get(obj, "name", path, str),
        region=_get(obj, "region", path, str),
        industry=_get(obj, "industry", path, str),
        permit_category=_get(obj, "permit_category", path, str),
        supervision_class=_enum(SupervisionClass, obj, "supervision_class", path),
        positive_list=_get(obj, "positive_list", path, bool),
        credit_grade=_enum(CreditRiskGrade, obj, "credit_grade", path),
        tags=_texts(obj, "tags", path),
    )


def _inspector(obj: object, path: str) -> InspectorCandidate:
    if type(obj) is dict:
        try:
            made = InspectorCandidate(
                obj["cert_no"],
                obj["name"],
                obj["region"],
                tuple(obj["specialties"]),
                _ROLES[obj["role"]],
                obj["load"],
            )
        except (KeyError, TypeError):
            pass
        else:
            if _all_text(made.cert_no, made.name, made.region, *made.specialties) and (
                type(made.load) is int
            ):
                return made
    return InspectorCandidate(
        cert_no=_get(obj, "cert_no", path, str),
        name=_get(obj, "name", path, str),
        region=_get(obj, "region", path, str),
        specialties=_texts(obj, "specialties", path),
        role=_enum(Role, obj, "role", path),
        load=_get(obj, "load", path, int),
    )


def _expert(obj: object, path: str) -> ExpertCandidate:
    return ExpertCandidate(
        expert_id=_get(obj, "expert_id", path, str),
        name=_get(obj, "name", path, str),
        region=_get(obj, "region", path, str),
        industries=_texts(obj, "industries", path),
        load=_get(obj, "load", path, int),
    )


def _conflict(obj: object, path: str) -> tuple[str, str]:
    if not (isinstance(obj, list) and len(obj) == 2 and _all_text(*obj)):
        raise RecordError(path)
    return (obj[0], obj[1])


def _assignment(obj: object, path: str) -> Assignment:
    if type(obj) is dict:
        try:
            made = Assignment(
                obj["target"],
                obj["stratum"],
                _KINDS[obj["kind"]],
                tuple(obj["inspectors"]),
                obj["lead"],
                tuple(obj["experts"]),
            )
        except (KeyError, TypeError):
            pass
        else:
            lead_ok = made.lead is None or type(made.lead) is str
            if lead_ok and _all_text(made.target, made.stratum, *made.inspectors, *made.experts):
                return made
    return Assignment(
        target=_get(obj, "target", path, str),
        stratum=_get(obj, "stratum", path, str),
        kind=_enum(TaskKind, obj, "kind", path),
        inspectors=_texts(obj, "inspectors", path),
        lead=_opt(obj, "lead", path, str),
        experts=_texts(obj, "experts", path),
    )


def _quarter(params: object) -> str:
    quarter = _get(params, "quarter", "parameters", str)
    if not QUARTER_PATTERN.fullmatch(quarter):
        raise RecordError("parameters.quarter")
    return quarter


def _rules(params: object) -> MatchRules:
    obj = _get(params, "rules", "parameters", dict)
    path = "parameters.rules"
    try:
        return MatchRules(
            per_check=_get(obj, "per_check", path, int),
            max_per_quarter=_opt(obj, "max_per_quarter", path, int),
            level=_enum(Level, obj, "level", path),
            cross_region=_get(obj, "cross_region", path, bool),
            experts_per_check=_get(obj, "experts_per_check", path, int),
        )
    except (ValueError, TypeError) as error:
        raise error if isinstance(error, RecordError) else RecordError(path) from None


def _joint(params: object) -> JointCheck:
    obj = _get(params, "joint", "parameters", dict)
    kind = _enum(JointKind, obj, "kind", "parameters.joint")
    key = {JointKind.INTERNAL: "offices", JointKind.CROSS_DEPARTMENT: "departments"}.get(kind)
    parties = () if key is None else _texts(obj, key, "parameters.joint")
    try:
        return JointCheck(kind, parties)
    except ValueError:
        raise RecordError("parameters.joint") from None


def _filters(filters: object) -> DrawFilters:
    path = "parameters.filters"
    present = isinstance(filters, dict) and "violation" in filters  # records before it lack it
    violation = _get(filters, "violation", path, dict) if present else None
    within = None if violation is None else _get(violation, "within_days", f"{path}.violation", int)
    violators = () if violation is None else _texts(violation, "credit_codes", f"{path}.violation")
    return DrawFilters(
        industries=frozenset(_texts(filters, "industries", path)),
        tags=frozenset(_texts(filters, "tags", path)),
        permit_categories=frozenset(_texts(filters, "permit_categories", path)),
        regions=frozenset(_texts(filters, "regions", path)),
        violation_within_days=within,
        violators=frozenset(violators),
    )


def _draw_inputs(record: Mapping[str, object], seed: SeedInput, people: bool = True) -> DrawInputs:
    """A draw's inputs; without ``people`` the inspector, expert and conflict lists are left
    empty (a public extract holds only their hashes)."""
    params = _get(dict(record), "parameters", "", dict)
    filters = _get(params, "filters", "parameters", dict)
    exclusions = _get(dict(record), "exclusions", "", dict)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in exclusions.items()):
        raise RecordError("exclusions")
    cls = _opt(params, "class", "parameters", str)
    try:
        ratios = Ratios.from_mapping(_get(params, "ratios", "parameters", dict))
        multipliers = GradeMultipliers.from_mapping(_get(params, "multipliers", "parameters", dict))
        supervision_class = None if cls is None else SupervisionClass(cls)
    except (ValueError, TypeError) as error:
        raise error if isinstance(error, RecordError) else RecordError("parameters") from None
    body = dict(record)
    return DrawInputs(
        quarter=_quarter(params),
        level=_enum(Level, params, "level", "parameters"),
        seed=seed,
        targets=_items(body, "targets", _target, "credit_code"),
        inspectors=_items(body, "inspectors", _inspector, "cert_no") if people else (),
        rules=_rules(params),
        region=_opt(params, "region", "parameters", str),
        supervision_class=supervision_class,
        filters=_filters(filters),
        ratios=ratios,
        multipliers=multipliers,
        joint=_joint(params),
        experts=_items(body, "experts", _expert, "expert_id") if people else (),
        conflicts=frozenset(_items(body, "conflicts", _conflict)) if people else frozenset(),
        exclusions=exclusions,
        version=algorithm_version(body),
    )


def _replacement_inputs(record: Mapping[str, object], seed: SeedInput) -> ReplacementInputs:
    body = dict(record)
    params = _get(body, "parameters", "", dict)
    targets = _items(body, "targets", _target, "credit_code")
    replaced = _get(body, "replaced", "", dict)
    code = _get(replaced, "target", "replaced", str)
    target = next((t for t in targets if t.credit_code == code), None)
    if target is None:
        raise RecordError("replaced.target")
    return ReplacementInputs(
        quarter=_quarter(params),
        seed=seed,
        target=target,
        removed=_get(replaced, "inspector", "replaced", str),
        amended_assignments=_items(body, "amended_assignments", _assignment),
        inspectors=_items(body, "inspectors", _inspector, "cert_no"),
        rules=_rules(params),
        conflicts=frozenset(_items(body, "conflicts", _conflict)),
        version=algorithm_version(body),
    )
