"""English texts for users whose Telegram speaks English; what is not here falls back to
Chinese (the directories, the draw and its records are Chinese documents)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from bot.texts.zh import Texts
from spotcheck.inspection import FollowUpKind, ResultState
from spotcheck.roles import Role
from spotcheck.stages import StageCounts
from spotcheck.states import TaskState
from spotcheck.statistics import Tally


class EnglishTexts(Texts):
    locale = "en"

    def import_refused(self, kind: str, count: int) -> str:
        return f"{kind} not imported: {count} problems found, nothing was written."

    def import_done(
        self, kind: str, dry_run: bool, added: int, updated: int, unchanged: int, deactivated: int
    ) -> str:
        head = "dry run (nothing written)" if dry_run else "imported"
        return (
            f"{kind} {head}: {added} added, {updated} updated, {unchanged} unchanged, "
            f"{deactivated} deactivated."
        )

    def stranger_refusal(self) -> str:
        return (
            "Hello! This bot serves the bureau's enforcement officers only. If you are one, ask an "
            "administrator for an invitation code and send /start CODE."
        )

    def welcome(self, name: str, role: str) -> str:
        return f"Hello {name}, you are bound as {role}. Send /help for the commands."

    def invite_problem(self, kind: str) -> str:
        return {
            "wrong_code": "That invitation code is not right; check it and send /start CODE again.",
            "used_code": (
                "That invitation code was used already. Ask an administrator for a new one."
            ),
            "expired_code": "That invitation code has expired. Ask an administrator for a new one.",
            "unknown_inspector": "No active officer with that certificate number.",
            "account_taken": (
                "This Telegram account is bound to another officer; ask an administrator."
            ),
            "not_allowed": "You can invite officers and team leads of your own county only.",
        }.get(kind, "Invalid invitation code.")

    def invite_not_admin(self) -> str:
        return "Only administrators can invite officers."

    _COMMANDS: ClassVar[dict[str, str]] = {
        "start": "Bind: /start CODE",
        "tasks": "My inspection tasks",
        "report": "Fill in an on-site inspection result",
        "resume": "Continue an unfinished form",
        "followups": "Open follow-ups (close them)",  # issue 10
        "draw": "Start a double-random draw",
        "invite": "Invite an officer",
        "ask": "Ask about the policy: /ask QUESTION",
        "deadlines": "Reporting deadlines",
        "digest": "Progress digest",
        "policies": "Policy library",
        "import": "Import a directory (send an .xlsx)",
        "template": "Blank import template: /template KIND",
        "export": "Statistics workbook: /export [QUARTER] [COUNTY]",  # issue 11
        "help": "Help",
        "cancel": "Cancel the current form",
    }

    def help(self, role: Role) -> str:
        return "\n".join(["Commands:"] + [f"/{c} — {d}" for c, d in self.commands(role)])

    def button_accept(self) -> str:
        return "Accept"

    def button_recuse(self) -> str:
        return "Recuse (回避)"

    def assignment_pushed(
        self,
        quarter: str,
        target_name: str,
        credit_code: str,
        address: str,
        items: list[str],
        team: list[tuple[str, bool]],
        due: date | None,
        replacement: bool,
    ) -> str:
        head = "[Inspection task — replacement]" if replacement else "[Inspection task]"
        members = ", ".join(f"{n} (lead)" if lead else n for n, lead in team)
        listed = (
            "\n".join(f"  {i}. {name}" for i, name in enumerate(items, start=1))
            or "  (see the item list)"
        )
        return (
            f"{head} {quarter}\nTarget: {target_name}\nCredit code: {credit_code}\n"
            f"Address: {address or '—'}\n"
            f"Team: {members}\nDue: {due.isoformat() if due else '—'}\nItems:\n{listed}\n"
            "Confidential until the inspection."
        )

    def accepted(self, target_name: str, changed: bool) -> str:
        return (
            f"Accepted: {target_name}."
            if changed
            else f"You accepted this task already: {target_name}."
        )

    def not_yours(self) -> str:
        return "That task is not yours, or it has changed. Nothing was done."

    def recusal_ask_reason(self, target_name: str, minutes: int) -> str:
        return (
            f"Recusal from {target_name}: reply within {minutes} minutes with the reason "
            "(e.g. a family tie); /cancel to drop it."
        )

    def recusal_done(self, target_name: str, replacement: str) -> str:
        return f"Recusal recorded: {replacement} inspects {target_name} instead."

    def team_changed(self, target_name: str, removed: str, added: str, reason: str) -> str:
        return f"[Team change] {target_name}: {removed} recused ({reason}); {added} replaces them."

    def tasks_empty(self) -> str:
        return "You have no inspection tasks."

    def tasks_head(self) -> str:
        return "My inspection tasks:"

    def task_line(
        self, i: int, task: int, quarter: str, name: str, due: str, state: TaskState, lead: bool
    ) -> str:
        states = {
            TaskState.TO_ACCEPT: "to accept",
            TaskState.ACCEPTED: "accepted",
            TaskState.INSPECTING: "being inspected",
            TaskState.SUBMITTED: "submitted",
            TaskState.PENDING_REVIEW: "pending review",
            TaskState.RETURNED: "returned",
            TaskState.PASSED: "passed",
        }
        return (
            f"{i}. {quarter} {name}{' (lead)' if lead else ''} — due {due},"
            f" {states.get(state, state)} /task_{task}"
        )

    def tasks_more(self, count: int) -> str:
        return f"… and {count} more, not listed (earliest due first: start with these)."

    def tasks_hint(self) -> str:
        return "Tap the link after a task to see it, accept it or ask to recuse."

    def nothing_to_cancel(self) -> str:
        return "Nothing to cancel."

    def cancelled(self) -> str:
        return "Cancelled."

    def stale_button(self) -> str:
        return "This button has expired; please start again."

    def unknown_input(self) -> str:
        return "Sorry, I did not understand. Send /help for the commands."

    def error_apology(self) -> str:
        return (
            "Something went wrong; it was logged and the administrators were told. "
            "Nothing you entered was lost."
        )

    # --- issue 16: free text and waiting forms ---

    def text_too_long(self, length: int, limit: int) -> str:
        return (
            f"Too long ({length} characters; at most {limit}). "
            "Nothing was done: please shorten it and send it again."
        )

    def recusal_lapsed(self, target_name: str, minutes: int) -> str:
        about = f" from {target_name}" if target_name else ""
        return (
            f"Your recusal{about} got no reason within {minutes} minutes and was dropped; this "
            "message is not taken as its reason. To recuse, press 申请回避 on the task again."
        )

    def recusal_dropped(self, target_name: str) -> str:
        about = f" from {target_name}" if target_name else ""
        return (
            f"Your recusal{about} was dropped: a command came instead of the reason. "
            "To recuse, press 申请回避 on the task again."
        )

    def edited_ignored(self) -> str:
        return "Edited messages are not acted on. To correct something, send a new message."

    def wrong_code_limit(self, minutes: int) -> str:
        return (
            f"Too many wrong codes: codes get no answer for {minutes} minutes. "
            "Check the code with your administrator."
        )

    # --- issue 16: outbox delivery ---

    def undelivered(self, recipient: str, lost: str, reason: str) -> str:
        return (
            f"Undelivered: Telegram refused the {lost} for {recipient} ({reason}); it will not "
            "be sent again. Please tell them another way."
        )

    def undelivered_recipient(self, name: str | None, cert_no: str | None, chat_id: int) -> str:
        return f"{name} ({cert_no})" if name else f"Telegram chat {chat_id}"

    def lost_part(self, kind: str, detail: str) -> str:
        return {
            "message": f"message “{detail}”",
            "record": f"draw record no. {detail}",
            "location": "location",
            "photo": "on-site photo",
            "chart": "chart",  # issue 11: charts
            "media_group": "on-site photos (an album)",
        }.get(kind, kind)

    # --- issue 16: directories in chat ------------------------------------------------------

    def import_not_admin(self) -> str:
        return "Only administrators can import directories or get templates."

    def import_send_file(self, kind: str | None) -> str:
        return (
            "Send the .xlsx to import. It is written only if every row passes; "
            "with any error nothing is written. /cancel to give up."
        )

    def template_usage(self) -> str:
        return "Usage: /template KIND (targets, inspectors, experts, items)"

    # --- issue 15: results and evidence ---

    def results_none(self) -> str:
        return "No results match."

    def evidence_intact(self, count: int) -> str:
        return f"Evidence intact: {count} files, every hash matches the database."

    def evidence_missing(self, path: str) -> str:
        return f"Missing: {path}"

    def evidence_altered(self, path: str) -> str:
        return f"Altered (hash differs): {path}"

    def evidence_damaged(self, checked: int, missing: int, altered: int) -> str:
        return f"Evidence check failed: {checked} files, {missing} missing, {altered} altered."

    # --- issue 15: inspection form ---

    FORM_TEXTS: ClassVar[dict[str, str]] = {
        "form.skip": "Skip / none",
        "form.none": "none",
        "form.done": "Done",
        "form.submit": "Submit",
        "form.edit": "Edit",
        "form.back": "Back",
        "form.pick": "Please tap one of the buttons below.",
        "form.pick_one": "Choose at least one, then tap Done.",
        "form.photos": "Send photos (or image files), then tap Done.",
        "form.photos_needed": "At least {least} photo(s) needed: send more, then tap Done.",
        "form.location": "Tap “Send current location”, or “Cannot locate”.",
        "form.text": "Please type some text.",
        "form.text_empty": "The text is empty; please type it again.",
        "form.text_long": "Too long ({length} characters; at most {limit}). Please shorten it.",
        "form.number": "Please type a number (digits 0-9).",
        "form.number_range": "The number must be between {low} and {high}.",
        "form.date": "Not a date: tap a button, or type e.g. 2025-03-07 or 2025-3-7.",
        "inspection.start": "Start inspection",
        "inspection.send_location": "Send current location",
        "inspection.unlocated": "Cannot locate",
        "inspection.ask_checkin": "Step 1, check-in: tap “Send current location”, or “Cannot locate”.",
        "inspection.checkin": "Check-in",
        "inspection.ask_unlocated_reason": "Why can the location not be sent?",
        "inspection.unlocated_reason": "Reason (no location)",
        "inspection.ask_item": "Inspection item “{item}”: the result?",
        "inspection.item": "Inspection item",
        "inspection.ask_note": "The problem found in “{item}” (short, required):",
        "inspection.note": "Problem",
        "inspection.ask_findings": "Findings (what you saw, the problems):",
        "inspection.findings": "Findings",
        "inspection.ask_photos": "Send photos of the site (originals as files), then tap Done:",
        "inspection.photos": "Photos",
        "inspection.ask_category": "The result category:",
        "inspection.category": "Result",
        "inspection.ask_follow_up": "Follow-up (several allowed), then tap Done:",
        "inspection.follow_up": "Follow-up",
        "inspection.ask_deadline": "The rectification deadline: tap a button or type a date:",
        "inspection.deadline": "Deadline",
        "inspection.ask_agency": "The agency the case is transferred to:",
        "inspection.agency": "Agency",
        "inspection.days_7": "7 days",
        "inspection.days_15": "15 days",
        "inspection.days_30": "30 days",
        "inspection.category_disagrees": "The category does not agree with the items.",
        "inspection.deadline_past": "The deadline must be after the day of the check.",
        "item_answer.ok": "No problem found",
        "item_answer.problem": "Problem found",
        "item_answer.not_applicable": "Not applicable",
        "category.none": "No problem found",
        "category.problem_rectified": "Problem found, rectification ordered",
        "category.problem_pending": "Problem found, further action pending",
        "category.refused": "Refused to cooperate (serious)",
        "category.not_found": "Cannot be found",
        "category.closed": "Closed down",
        "follow_up.rectify": "Order to rectify",
        "follow_up.case": "Open a case",
        "follow_up.transfer": "Transfer",
        "follow_up.judicial": "Refer to the judiciary",
        # --- issue 10: follow-ups (办结) ---
        "closing.ask_note": "Type the closing note (how it was corrected, the case, the transfer):",
        "closing.note": "Closing note",
        "closing.ask_photos": "Send photos of the correction (at least one), then press Done:",
        "closing.photos": "Correction photos",
    }

    # --- issue 15: result cards, task states, draft expiry ---

    def card_head(
        self,
        target_name: str,
        credit_code: str,
        task: int,
        quarter: str,
        state: str = "submitted",
        version: int = 1,
    ) -> str:
        head = f"[Inspection result] {target_name} ({credit_code})"
        again = f" · version {version}" if version > 1 else ""
        return f"{head}\nTask {task} · {quarter} · {state}{again}"

    def result_state(self, state: ResultState) -> str:
        return {
            ResultState.SUBMITTED: "submitted",
            ResultState.OBJECTED: "objected to",
            ResultState.PENDING_REVIEW: "pending review",
            ResultState.RETURNED: "returned",
            ResultState.PASSED: "passed",
        }[state]

    def card_category(self, category: str) -> str:
        return f"Result: {category}"

    def card_checkin(
        self,
        distance_m: float | None,
        located: bool,
        flagged: bool,
        reason: str,
        radius_m: float,
    ) -> str:
        if not located:
            return f"Check-in: no location ({reason or 'no reason given'}), flagged"
        if distance_m is None:
            return "Check-in: location recorded (the target has no coordinates)"
        if flagged:
            return f"Check-in: {distance_m:.0f} m from the target, beyond {radius_m:.0f} m, flagged"
        return f"Check-in: {distance_m:.0f} m from the target"

    def card_items_head(self) -> str:
        return "Items:"

    def card_item(self, name: str, answer: str, note: str) -> str:
        return f"· {name}: {answer}" + (f" ({note})" if note else "")

    def card_findings(self, findings: str) -> str:
        return f"Findings: {findings}"

    def card_photos(self, count: int) -> str:
        return f"Photos: {count}" if count else "Photos: none"

    def card_photo(
        self, i: int, taken: str | None, gps: tuple[float, float] | None, original: bool, note: str
    ) -> str:
        facts = []
        if taken:
            facts.append(f"taken {taken}")
        if gps:
            facts.append(f"GPS {gps[0]:.5f}, {gps[1]:.5f}")
        if not facts:
            facts.append(
                "no capture data" if original else "no capture data (compressed by Telegram)"
            )
        return f"  {i}. " + ", ".join(facts) + (f"; {note}" if note else "")

    def card_follow_ups_head(self) -> str:
        return "Follow-up:"

    def card_follow_up(self, kind: str, deadline: str | None, agency: str | None) -> str:
        detail = f", by {deadline}" if deadline else ""
        detail += f": {agency}" if agency else ""
        return f"· {kind}{detail}"

    def card_submitted(self, name: str, cert_no: str, at: str) -> str:
        return f"Submitted by {name} ({cert_no}), {at}"

    def draft_warning(self, target_name: str, idle_hours: int, expires_at: str) -> str:
        return (
            f"Your inspection draft ({target_name}) has not been touched for {idle_hours} hours"
            f" and expires at {expires_at}; send /resume to go on."
        )

    def draft_expired(self, target_name: str, idle_hours: int, photos: int) -> str:
        kept = f" The {photos} photos received stay stored as evidence." if photos else ""
        return (
            f"Your inspection draft ({target_name}) was not touched for {idle_hours} hours and"
            f" has expired.{kept} Press 开始检查 on the task to inspect again."
        )

    # --- issue 15: review fixes (recusal, check-in) ---

    def inspection_draft_withdrawn(self, target_name: str) -> str:
        return (
            f"You are no longer on the team of {target_name}: your inspection draft is void"
            " (the photos you sent stay stored as evidence); your replacement fills it in."
        )

    def checkin_forwarded(self) -> str:
        return "A forwarded location is not a check-in. On site, press 发送当前位置 below."

    def card_checked_in_at(self, at: str) -> str:
        return f"Checked in at {at}"

    # --- issue 10: stages everywhere ---

    def task_stage(self, state: TaskState) -> str:
        return {
            TaskState.TO_ACCEPT: "to accept",
            TaskState.ACCEPTED: "accepted",
            TaskState.INSPECTING: "being inspected",
            TaskState.SUBMITTED: "submitted",
            TaskState.PENDING_REVIEW: "pending review",
            TaskState.RETURNED: "returned",
            TaskState.PASSED: "passed",
        }[state]

    def stage_counts(self, counts: StageCounts) -> str:
        stages = " · ".join(f"{self.task_stage(s)} {n}" for s, n in counts.stages)
        return (
            f"Stages: {stages}\nFollow-ups: {counts.open_follow_ups} open,"
            f" {counts.overdue_follow_ups} overdue"
        )

    def county_stages(self, counts: StageCounts) -> str:
        return (
            f"On-site checks of the county's targets (city and county level): {counts.total}\n"
            f"{self.stage_counts(counts)}"
        )

    def statistics_numbers(self, quarter: str, counts: StageCounts) -> str:
        return f"On-site checks in {quarter}: {counts.total}\n{self.stage_counts(counts)}"

    # --- issue 10: follow-ups ---

    def follow_up_line(
        self,
        target_name: str,
        kind: FollowUpKind,
        deadline: date | None,
        agency: str | None,
        today: date,
    ) -> str:
        head = f"[Follow-up] {target_name}\n{self.follow_up_name(kind)}"
        if agency:
            head += f": {agency}"
        if deadline is None:
            return head
        left = (deadline - today).days
        when = (
            f"{left} days left" if left > 0 else "due today" if left == 0 else f"{-left} days late"
        )
        return f"{head}, by {deadline.isoformat()} ({when})"

    def follow_ups_none(self) -> str:
        return "You have no open follow-ups."

    def follow_ups_heading(self, count: int, shown: int) -> str:
        more = f" (the first {shown} shown)" if shown < count else ""
        return f"You have {count} open follow-ups{more}. When one is done, press 办结:"

    def closing_heading(self, target_name: str, kind: FollowUpKind, resumed: bool) -> str:
        head = "Closing again" if resumed else "Closing"
        return f"{head}: {target_name} · {self.follow_up_name(kind)}"

    def closing_confirm(self, target_name: str, kind: FollowUpKind, note: str) -> str:
        return (
            f"Please check: {target_name} · {self.follow_up_name(kind)}\n"
            f"Closing note: {note}\nPress Done to close it."
        )

    def correction_photo_received(self, count: int) -> str:
        return f"Correction photo {count} received. Press Done when all are sent."

    def correction_photo_again(self, count: int) -> str:
        return f"This correction photo was received already, not stored twice ({count} in all)."

    def not_a_correction(self) -> str:
        return (
            "This photo is evidence of the inspection itself, not of the correction. Send a"
            " photo taken after the correction. Not stored."
        )

    def follow_up_closed(self, target_name: str, kind: FollowUpKind, photos: int) -> str:
        kept = f", {photos} correction photos kept" if photos else ""
        return f"Closed: {target_name} · {self.follow_up_name(kind)}{kept}."

    def follow_up_already_closed(self) -> str:
        return "This follow-up is closed already; nothing to do."

    def follow_up_held(self, name: str) -> str:
        return f"{name or 'Another team member'} is closing this follow-up."

    def follow_up_reminder(self, target_name: str, deadline: date, days_left: int) -> str:
        when = (
            f"the correction is due today ({deadline.isoformat()})"
            if days_left == 0
            else f"the correction is due {deadline.isoformat()} ({days_left} days left)"
        )
        return f"[Correction reminder] {target_name}: {when}. Once corrected, press 办结."

    def follow_up_overdue(
        self, county_name: str, target_name: str, deadline: date, days_late: int
    ) -> str:
        return (
            f"[Correction overdue] {county_name}: the correction ordered at {target_name} was due"
            f" {deadline.isoformat()} ({days_late} days late) and is not closed."
        )

    # --- issue 10: results waiting for review ---

    def review_reminder(self, target_name: str, version: int, waited: int) -> str:
        again = f" (version {version})" if version > 1 else ""
        return (
            f"[Review reminder] The result for {target_name}{again} has waited {waited} working"
            " days for review: tap Pass or Return on its card."
        )

    def review_escalation(self, county_name: str, target_name: str, who: str, waited: int) -> str:
        return (
            f"[Review overdue] {county_name}: the result for {target_name} has waited {waited}"
            f" working days for review by {who}."
        )

    # --- issue 10: amendments ---

    def amend_button(self) -> str:
        return "更正 Amend"

    def amend_hint(self) -> str:
        return (
            "A passed result no longer changes in place. To correct it, press 更正 and give the"
            " reason: the amendment is confirmed and reviewed again as a new version, and the"
            " passed one is kept."
        )

    def amend_reason_ask(self, target_name: str, minutes: int) -> str:
        return (
            f"Amend: {target_name}. Reply within {minutes} minutes with the reason (what changes"
            " and why); /cancel to give up."
        )

    def amend_draft_open(self, target_name: str) -> str:
        return (
            f"Your form for {target_name} is still open (/resume). Submit it, or /cancel it,"
            " before amending."
        )

    def amend_opened(self, target_name: str, version: int) -> str:
        return (
            f"The form for {target_name} is open with version {version}'s answers as an"
            f" amendment: change what is wrong and press 提交; it becomes version {version + 1},"
            f" confirmed and reviewed again. Version {version} is kept as it is."
        )

    def amending_line(self, reason: str) -> str:
        return f"[Amendment] reason: {reason}"

    def card_amendment(self, version: int, reason: str) -> str:
        return (
            f"Amendment (version {version}): {reason}\nVersion {version - 1} stays passed,"
            " unchanged."
        )

    # --- issue 11: /export and the statistics reminder's table rows ---

    def export_problem(self, kind: str, detail: str = "") -> str:
        return {
            "not_admin": "Only city and county administrators can export the statistics.",
            "other_county": "County administrators can export their own county's statistics only.",
            "unknown": (
                f"Cannot read “{detail}”: give a quarter (e.g. 2026Q4) or a county's name or "
                "code, e.g. /export 2026Q4 竞秀区."
            ),
        }[kind]

    def export_caption(self, quarter: str, scope: str, today: date) -> str:
        return f"{quarter} {scope}: spot-check statistics (as of {today.isoformat()})"

    def statistics_table_lines(self, quarter: str, rows: list[tuple[str, Tally]]) -> str:
        lines = [f"The county's {quarter} statistics table (as in the exported workbook):"]
        lines += [
            f"{self.class_short(cls)}: drawn {t.drawn} of {t.minimum} required · "
            f"passed {t.passed} · completion {self.rate(t.completion)}"
            for cls, t in rows
        ]
        return "\n".join(lines)
