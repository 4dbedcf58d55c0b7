"""The states and kinds the bot stores, as types: one place each.

Each value is the string the database holds (so ``AssignmentState.SUPERSEDED == "superseded"``
and rows written before these types existed read back unchanged). The words users see come
from the catalogue (bot/texts/), keyed by these enums. The task kind (onsite | offsite) is
``spotcheck.quota.TaskKind``; the county's reporting duties are ``spotcheck.reminders.Duty``.
"""

from __future__ import annotations

from enum import StrEnum

from spotcheck.inspection import ResultState


class AssignmentState(StrEnum):
    """An assignment (one task of a draw). Any state but SUPERSEDED is in force."""

    ASSIGNED = "assigned"
    SUPERSEDED = "superseded"  # a redraw of the plan replaced it


class MemberState(StrEnum):
    """A person's place on an assignment's team. Any state but REPLACED is on the team."""

    ASSIGNED = "assigned"  # drawn, not yet accepted (待接受)
    ACCEPTED = "accepted"  # 接受
    REPLACED = "replaced"  # off the team: a replacement (after 回避, or `draw replace`)


class PersonKind(StrEnum):
    """Who a team member is: an inspector (by 执法证号) or an expert (by id)."""

    INSPECTOR = "inspector"
    EXPERT = "expert"


class RecordKind(StrEnum):
    """A draw record: a draw, or a replacement amending one."""

    DRAW = "draw"
    REPLACEMENT = "replacement"


class ConflictSource(StrEnum):
    """Where a 回避 (conflict of interest) came from."""

    DECLARED = "declared"
    IMPORTED = "imported"
    RECUSAL = "recusal"  # an inspector's own 申请回避 in chat


class OutboxState(StrEnum):
    """A queued message: PENDING until sent, SENDING while a sender holds it."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # Telegram refused it for good (400, 403)


class FormKind(StrEnum):
    """The kind of a chat form (a draft in form_drafts: one per person and kind)."""

    DRAW = "draw"  # the /draw wizard
    RECUSAL = "recusal"  # the reason for a 申请回避
    IMPORT = "import"  # the /import form: which directory his next file is
    INSPECTION = "inspection"  # the on-site result of one assignment (form_drafts only)
    OBJECTION = "objection"  # the reason of a member's 有异议 to a submitted result
    RETURN = "return"  # the reason of a reviewer's 退回
    # --- issue 10: follow-ups ---
    FOLLOW_UP = "follow_up"  # 办结: closing one follow-up (its note and correction photos)
    # --- issue 10: amendments ---
    AMEND = "amend"  # the reason of a submitter's 更正 of his passed result


class TaskState(StrEnum):
    """Where one of an inspector's assignments stands, as /tasks shows it (not stored: read
    from his place on the team, the assignment's inspection draft and the review state of its
    latest result version)."""

    TO_ACCEPT = "to_accept"  # 待接受
    ACCEPTED = "accepted"  # 已接受
    INSPECTING = "inspecting"  # 检查中: an inspection draft is open for it
    SUBMITTED = "submitted"  # 已提交: the latest version waits for the members' confirmation
    PENDING_REVIEW = "pending_review"  # 待审核
    RETURNED = "returned"  # 退回: the latest version was objected to or returned, not resent
    PASSED = "passed"  # 通过

    @classmethod
    def of(cls, member: MemberState, drafting: bool, result: ResultState | None) -> TaskState:
        """The latest result version's state outranks a draft (a version sent back keeps its
        draft open until it is resubmitted, and is 退回 until then; a resubmitted version
        shows its own state), a draft his acceptance (a teammate may be filling it while he
        has not accepted yet)."""
        if result is not None:
            return _OF_RESULT[result]
        if drafting:
            return cls.INSPECTING
        return cls.ACCEPTED if member == MemberState.ACCEPTED else cls.TO_ACCEPT


_OF_RESULT = {
    ResultState.SUBMITTED: TaskState.SUBMITTED,
    ResultState.OBJECTED: TaskState.RETURNED,  # 有异议
    ResultState.PENDING_REVIEW: TaskState.PENDING_REVIEW,
    ResultState.RETURNED: TaskState.RETURNED,  # 审核退回
    ResultState.PASSED: TaskState.PASSED,
}
