"""The public extract of a draw record (一公开): what anyone may download to re-compute who was
drawn, without the personal data a full record holds.

A full record lists the inspectors with their 执法证号, the conflicts (who may not check whom)
and each assignment's team. The extract keeps everything the target draw (the first random)
depends on — algorithm, seed, parameters, the targets list and its hash, exclusions, strata —
and its result: the drawn targets per assignment, without their teams. Of the inspector, expert
and conflict lists it keeps only their hashes, and it names the full record by its
``body_sha256`` (the hash of the body as stored: the record without id, created_by and
created_at, its lists named by their hashes), so that whoever holds the full record can tie the
two.
``created_by`` is left out too: a chat user is recorded as ``tg:<user id>/<执法证号>``.

The extract names the drawn targets, and its seed and targets list let anyone re-compute them:
the assignments are confidential until the inspection, so a quarter's extracts and seeds are
published only once the quarter has ended (``draws_disclosed``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from spotcheck.deadlines import Quarter
from spotcheck.draw import DrawRefused
from spotcheck.record import (
    RecordError,
    VerifyOutcome,
    algorithm_version,
    draw_parameters,
    first_difference,
    list_sha256,
    read_target_draw_inputs,
    target_draw,
)
from spotcheck.states import RecordKind

EXTRACT = {"name": "shuangsuiji-public-extract", "version": 1}
# What the extract copies from the full record as it is; "assignments" is cut to _TASK.
_KEPT = (
    "algorithm",
    "kind",
    "seed",
    "parameters",
    "targets",
    "targets_sha256",
    "inspectors_sha256",
    "experts_sha256",
    "conflicts_sha256",
    "exclusions",
    "strata",
    "id",
    "created_at",
    "amends",
    "reason",
)
_TASK = ("target", "stratum", "kind")
_HASHES = ("inspectors_sha256", "experts_sha256", "conflicts_sha256", "body_sha256")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def draws_disclosed(quarter: Quarter, today: date, last_due: date | None = None) -> bool:
    """Whether the quarter's draws (extracts, seeds) may be published ``today``: only after its
    last day and after the last due date of the checks drawn for it (a draw made late, after
    the quarter, gives its checks later due dates), so that every check is due by then."""
    return today > max(quarter.last_day, last_due or quarter.last_day)


def public_extract(record: Mapping[str, Any], body_sha256: str) -> dict[str, Any]:
    """The extract of a full draw record (body and caller fields, as published)."""
    if record.get("kind") != RecordKind.DRAW:
        raise ValueError("only a draw record has a public extract")
    extract = {key: record[key] for key in _KEPT if key in record}
    extract["assignments"] = [{k: task[k] for k in _TASK} for task in record["assignments"]]
    extract["body_sha256"] = body_sha256
    extract["extract"] = dict(EXTRACT)
    return extract


def is_public_extract(record: Mapping[str, object]) -> bool:
    return "extract" in record


def verify_public_extract(extract: Mapping[str, object]) -> VerifyOutcome:
    """Re-compute the target draw from the extract alone; the first differing path, or ok.

    A targets list that does not hash to ``targets_sha256`` fails at ``targets``: the hash is
    what the full record (and its ``body_sha256``) vouches for.
    """
    body = dict(extract)
    if body.get("extract") != EXTRACT:
        return _failed("extract")
    if body.get("kind") != RecordKind.DRAW:
        return _failed("kind")
    for key in _HASHES:
        value = body.get(key)
        if not (isinstance(value, str) and _SHA256.fullmatch(value)):
            return _failed(key)
    targets = body.get("targets")
    if not isinstance(targets, list) or list_sha256(targets) != body.get("targets_sha256"):
        return _failed("targets")
    try:
        algorithm_version(body)  # a version this code knows, or RecordError("algorithm")
        inputs = read_target_draw_inputs(body)
        strata, drawn = target_draw(inputs)
    except RecordError as error:
        return _failed(error.path)
    except DrawRefused:
        return _failed("assignments")
    except ValueError:
        return _failed("parameters")
    expected_body: dict[str, object] = {
        "seed": inputs.seed.to_json(),
        "parameters": draw_parameters(inputs),
        "targets": sorted(
            (t.to_json() for t in inputs.targets), key=lambda t: str(t["credit_code"])
        ),
        "exclusions": dict(sorted(inputs.exclusions.items())),
        "strata": [s.to_json() for s in strata],
        "assignments": [
            {"target": d.target.credit_code, "stratum": d.stratum, "kind": d.kind.value}
            for d in drawn
        ],
    }
    actual = {key: body[key] for key in expected_body if key in body}
    difference = first_difference(expected_body, actual)
    return VerifyOutcome(difference is None, difference, targets_only=True)


def _failed(path: str) -> VerifyOutcome:
    return VerifyOutcome(False, path, targets_only=True)
