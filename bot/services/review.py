"""The review chain in chat (shared/DESIGN.md: 已提交 → 待审核 → 审核退回 / 通过): the other
members of the team confirm (确认) or object (有异议, with a reason) to a submitted result; when
enough confirmed ([review] confirmations) it goes to the reviewer, who passes it (通过) or
returns it (退回, with a reason). An objection or a return opens the submitter's form again at
its review screen, with the answers of the version sent back; his next 提交 is a new version.
After 通过 the submitter may 更正 (amend, with a reason): his form opens again with the passed
version's answers, and his 提交 is a new version carrying the reason, which goes through the
same chain while the passed one stays as it was.

Every step is one transaction, audited, and re-checks who presses what: a member of the team
in force who did not submit it, on the result's current version, in the state the step starts
from; the reviewer as the chain names him now (spotcheck/review.py reviewers_for). Anything
else (a forged or stale button) changes nothing and is refused as ``stale``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import callback_data
from bot.context import AppContext
from bot.services import form_drafts, outbox, result_cards
from bot.services.identity import Person
from bot.services.problems import ServiceProblem
from bot.texts import texts_for
from spotcheck import form
from spotcheck.chat_forms import AMEND, OBJECTION, RETURN
from spotcheck.form import Form, Invalid
from spotcheck.inspection import AMENDS, ResultState
from spotcheck.review import Reviewers, Verdict, confirmed_enough, may_amend, reviewers_for
from spotcheck.states import FormKind
from storage import account_store, assignment_store, draft_store, result_store, review_store
from storage.audit import audit
from storage.result_store import ResultView
from storage.review_store import Version

INSPECTION = FormKind.INSPECTION.value
REVIEW_SCREEN = ""  # an inspection draft's open question while its review screen is shown
Buttons = list[list[tuple[str, str]]]


class ReviewProblem(ServiceProblem):
    """Kinds: stale (not his to press, or the version or its state moved on: logged),
    no_reason (no 有异议 / 退回 / 更正 waits for a reason), reason_required, lapsed
    (target_name), draft_open (target_name: 更正 while an inspection form of his is open)."""


@dataclass(frozen=True)
class Done:
    target_name: str
    state: ResultState  # where the version stands afterwards
    version: int = 0  # issue 10: the version a 更正 amends


# ---- who may press what ----------------------------------------------------------------------


async def _current(session: AsyncSession, result_id: int, state: ResultState) -> Version:
    """The version, if it is its assignment's latest and stands in ``state``."""
    version = await review_store.version_of(session, result_id)
    if version is None or version.state is not state:
        raise ReviewProblem("stale")
    latest = await review_store.latest_version(session, version.assignment_id)
    if latest is None or latest.result_id != result_id:
        raise ReviewProblem("stale")
    return version


async def _member_may_answer(session: AsyncSession, person: Person, result_id: int) -> Version:
    """确认 / 有异议: a member of the team in force, not the submitter, who has not answered
    this version yet, on the current version while it is 已提交."""
    version = await _current(session, result_id, ResultState.SUBMITTED)
    if person.cert_no == version.submitted_by:
        raise ReviewProblem("stale")
    if await assignment_store.membership(session, version.assignment_id, person.cert_no) is None:
        raise ReviewProblem("stale")
    given = await review_store.verdicts(session, result_id)
    if any(v.cert_no == person.cert_no for v in given):
        raise ReviewProblem("stale")
    return version


async def reviewers_of(session: AsyncSession, version: Version, region: str) -> Reviewers:
    """The version's reviewer(s) as the team and the admins stand now."""
    team = await assignment_store.team_inspectors(session, version.assignment_id)
    lead = next((m.person_key for m in team if m.is_lead), None)
    county = await account_store.county_admins(session, region)
    city = sorted(await account_store.city_admins(session))
    return reviewers_for(lead, version.submitted_by, county, city)


async def _reviewer_may(session: AsyncSession, person: Person, result_id: int) -> Version:
    """通过 / 退回: the reviewer, on the current version while it is 待审核."""
    version = await _current(session, result_id, ResultState.PENDING_REVIEW)
    view = await _view(session, version)
    reviewers = await reviewers_of(session, version, view.region_code)
    if person.cert_no not in reviewers.cert_nos:
        raise ReviewProblem("stale")
    return version


async def _view(session: AsyncSession, version: Version) -> ResultView:
    view = await result_store.result_of(session, version.assignment_id)
    assert view is not None and view.id == version.result_id  # _current found it the latest
    return view


# ---- cards ---------------------------------------------------------------------------------


async def _send_cards(
    session: AsyncSession,
    ctx: AppContext,
    view: ResultView,
    certs: list[str],
    buttons_for: dict[str, Buttons],
    prompt: str,
) -> None:
    """The result card to each of ``certs`` with a reachable account; to those in
    ``buttons_for`` the card is followed by a prompt carrying their buttons."""
    accounts = await account_store.reachable_accounts(session, set(certs))
    cards: dict[str, result_cards.ResultCard] = {}
    for cert in certs:
        account = accounts.get(cert)
        if account is None:
            continue
        texts = texts_for(account.language)
        if account.language not in cards:
            cards[account.language] = await result_cards.card_of_view(session, ctx, texts, view)
        session.add_all(cards[account.language].outbox_rows(account.chat_id))
        if cert in buttons_for:
            text = getattr(texts, prompt)(view.target_name, view.version)
            session.add(outbox.message(account.chat_id, text, buttons=buttons_for[cert]))


async def submitted(session: AsyncSession, ctx: AppContext, result_id: int, now: datetime) -> None:
    """A version just submitted (in the submitting transaction): the card to every member of
    the team in force, with 确认 / 有异议 to each but the submitter (his is his confirmation);
    straight to review when nobody else is on the team."""
    version = await review_store.version_of(session, result_id)
    assert version is not None
    view = await _view(session, version)
    team = [
        m.person_key for m in await assignment_store.team_inspectors(session, view.assignment_id)
    ]
    others = [c for c in team if c != version.submitted_by]
    buttons = {cert: await _confirm_buttons(session, cert, result_id) for cert in others}
    await _send_cards(session, ctx, view, team, buttons, "confirm_prompt")
    if confirmed_enough(ctx.config.review.confirmations, others, ()):
        await _to_review(session, ctx, version, view, now)


async def _to_review(
    session: AsyncSession, ctx: AppContext, version: Version, view: ResultView, now: datetime
) -> bool:
    """已提交 → 待审核 (nobody's move: enough confirmed) and the card, with 通过 / 退回, to the
    reviewer(s); False when another move won."""
    if not await review_store.move(
        session, version.result_id, ResultState.PENDING_REVIEW, review_store.SYSTEM, now
    ):
        return False
    reviewers = await reviewers_of(session, version, view.region_code)
    certs = list(reviewers.cert_nos)
    buttons = {cert: await _review_buttons(session, cert, version.result_id) for cert in certs}
    view = await _view(session, version)  # its state now 待审核
    await _send_cards(session, ctx, view, certs, buttons, "review_prompt")
    return True


async def _tell_team(
    session: AsyncSession, assignment_id: int, say: Any, certs: list[str] | None = None
) -> None:
    """A line to each member of the team in force (or to ``certs``) with a reachable account:
    ``say(texts)`` makes it in his language."""
    if certs is None:
        team = await assignment_store.team_inspectors(session, assignment_id)
        certs = [m.person_key for m in team]
    accounts = await account_store.reachable_accounts(session, set(certs))
    for cert in certs:
        account = accounts.get(cert)
        if account is not None:
            session.add(outbox.message(account.chat_id, say(texts_for(account.language))))


# ---- 确认 ----------------------------------------------------------------------------------


async def confirm(ctx: AppContext, person: Person, result_id: int, now: datetime) -> Done:
    """确认 by a member: recorded; to review when enough confirmed; the team told the progress."""
    async with ctx.sessions() as session, session.begin():
        await review_store.hold_version(session, result_id)
        version = await _member_may_answer(session, person, result_id)
        if not await review_store.add_verdict(
            session, result_id, person.cert_no, Verdict.CONFIRM, now
        ):
            raise ReviewProblem("stale")
        session.add(
            audit(
                person.actor,
                "confirm",
                "inspection_results",
                str(result_id),
                new={"cert_no": person.cert_no, "version": version.version},
                at=now,
            )
        )
        view = await _view(session, version)
        team = [
            m.person_key
            for m in await assignment_store.team_inspectors(session, version.assignment_id)
        ]
        others = [c for c in team if c != version.submitted_by]
        confirmed = [
            v.cert_no
            for v in await review_store.verdicts(session, result_id)
            if v.verdict is Verdict.CONFIRM
        ]
        state = ResultState.SUBMITTED
        enough = confirmed_enough(ctx.config.review.confirmations, others, confirmed)
        if enough and await _to_review(session, ctx, version, view, now):
            state = ResultState.PENDING_REVIEW
        names = await account_store.names_of(session, set(team))
        done = [names.get(c, c) for c in others if c in confirmed]
        waiting = [names.get(c, c) for c in others if c not in confirmed]
        await _tell_team(  # the one who confirmed is answered on his own (confirmed)
            session,
            version.assignment_id,
            lambda t: t.confirm_progress(view.target_name, done, waiting, state),
            [c for c in team if c != person.cert_no],
        )
        return Done(view.target_name, state)


# ---- 通过 ----------------------------------------------------------------------------------


async def pass_result(ctx: AppContext, person: Person, result_id: int, now: datetime) -> Done:
    """通过 by the reviewer: the version passed; the submitter and the team told."""
    async with ctx.sessions() as session, session.begin():
        version = await _reviewer_may(session, person, result_id)
        if not await review_store.move(session, result_id, ResultState.PASSED, person.actor, now):
            raise ReviewProblem("stale")
        session.add(
            audit(
                person.actor,
                "pass",
                "inspection_results",
                str(result_id),
                new={"cert_no": person.cert_no, "version": version.version},
                at=now,
            )
        )
        view = await _view(session, version)
        team = await _team(session, version)
        await _tell_team(
            session,
            version.assignment_id,
            lambda t: t.result_passed(view.target_name, person.name),
            [c for c in team if c != version.submitted_by],
        )
        await _tell_passed_submitter(session, version, view.target_name, person.name, team)
        return Done(view.target_name, ResultState.PASSED)


async def _team(session: AsyncSession, version: Version) -> list[str]:
    return [
        m.person_key for m in await assignment_store.team_inspectors(session, version.assignment_id)
    ]


def _with(team: list[str], cert: str) -> list[str]:
    """The team and ``cert`` (a submitter replaced since is still told)."""
    return team if cert in team else [*team, cert]


# ---- 有异议 and 退回: the reason, then the version sent back --------------------------------


_FORMS: dict[FormKind, Form] = {
    FormKind.OBJECTION: OBJECTION,
    FormKind.RETURN: RETURN,
    FormKind.AMEND: AMEND,  # issue 10: amendments
}


async def begin_objection(ctx: AppContext, person: Person, result_id: int, now: datetime) -> str:
    """有异议 pressed: its reason is asked (his next text); the target's name."""
    async with ctx.sessions() as session, session.begin():
        version = await _member_may_answer(session, person, result_id)
        return await _ask_reason(session, person, FormKind.OBJECTION, version, now)


async def begin_return(ctx: AppContext, person: Person, result_id: int, now: datetime) -> str:
    """退回 pressed: its reason is asked (his next text); the target's name."""
    async with ctx.sessions() as session, session.begin():
        version = await _reviewer_may(session, person, result_id)
        return await _ask_reason(session, person, FormKind.RETURN, version, now)


async def _ask_reason(
    session: AsyncSession, person: Person, kind: FormKind, version: Version, now: datetime
) -> str:
    answers = form.start(_FORMS[kind], result=version.result_id)
    await form_drafts.restart(session, person.user_id, kind, answers, "reason", now)
    return (await _view(session, version)).target_name


async def complete_reason(
    ctx: AppContext, person: Person, kind: FormKind, text: str, now: datetime
) -> Done:
    """The reason a 有异议 or 退回 waits for: the version moved (有异议 / 审核退回) with it, the
    submitter's form opened again, he and the team told. The reason a 更正 waits for: his
    form opened as an amendment (:func:`_open_amendment`). A reason that comes after
    ``[limits] recusal_wait_minutes`` has lapsed; a version that moved on meanwhile is stale."""
    async with ctx.sessions() as session, session.begin():
        draft = await form_drafts.mine(session, person.user_id, kind)
        if draft is None:
            raise ReviewProblem("no_reason")
        accepted = form.accept(_FORMS[kind].template("reason"), text, draft.data)
        if isinstance(accepted, Invalid):
            raise ReviewProblem("reason_required")
        reason = str(accepted.value)
        if not await draft_store.discard(session, draft.id, draft.version):
            raise ReviewProblem("no_reason")
        result_id = int(str(draft.data["result"]))
        if form_drafts.lapsed(draft, ctx.config.limits.recusal_wait_minutes, now):
            version = await review_store.version_of(session, result_id)
            name = (await _view(session, version)).target_name if version else ""
            await session.commit()
            raise ReviewProblem("lapsed", target_name=name)
        try:
            if kind is FormKind.OBJECTION:
                version = await _member_may_answer(session, person, result_id)
            elif kind is FormKind.AMEND:
                version = await _amender_may(session, person, result_id)
            else:
                version = await _reviewer_may(session, person, result_id)
        except ReviewProblem:
            await session.commit()  # the form is answered; the version moved on
            raise
        if kind is FormKind.AMEND:
            return await _open_amendment(session, person, version, reason, now)
        if kind is FormKind.OBJECTION:
            if not await review_store.add_verdict(
                session, result_id, person.cert_no, Verdict.OBJECT, now, reason
            ):
                raise ReviewProblem("stale")
            to = ResultState.OBJECTED
        else:
            to = ResultState.RETURNED
        if not await review_store.move(session, result_id, to, person.actor, now, reason):
            raise ReviewProblem("stale")
        session.add(
            audit(
                person.actor,
                "object" if kind is FormKind.OBJECTION else "return",
                "inspection_results",
                str(result_id),
                new={"cert_no": person.cert_no, "version": version.version, "reason": reason},
                at=now,
            )
        )
        view = await _view(session, version)
        reopened = await _reopen(session, version, now)
        await _tell_team(
            session,
            version.assignment_id,
            lambda t: t.result_sent_back(view.target_name, person.name, reason, to),
            [c for c in await _team(session, version) if c != version.submitted_by],
        )
        await _tell_team(
            session,
            version.assignment_id,
            lambda t: t.result_sent_back_to_submitter(
                view.target_name, person.name, reason, to, reopened
            ),
            [version.submitted_by],
        )
        return Done(view.target_name, to)


async def _reopen(session: AsyncSession, version: Version, now: datetime) -> bool:
    """The submitter's inspection form opened again with the answers of ``version``, at its
    review screen; False when it could not be (he left the team, has no account, holds another
    inspection draft, or the version kept no answers): 开始检查 then starts from them."""
    if version.answers is None:
        return False
    if (
        await assignment_store.membership(session, version.assignment_id, version.submitted_by)
        is None
    ):
        return False
    account = await account_store.account_of(session, version.submitted_by)
    if account is None:
        return False
    opened = await draft_store.open_draft(
        session,
        account.user_id,
        INSPECTION,
        version.answers,
        REVIEW_SCREEN,
        now,
        subject=str(version.assignment_id),
    )
    return opened.created


# --- issue 10: amendments (更正 after 通过) -------------------------------------------------


async def _tell_passed_submitter(
    session: AsyncSession, version: Version, target_name: str, reviewer: str, team: list[str]
) -> None:
    """【审核通过】 to the submitter (a submitter replaced since is still told), with 更正 while
    he may amend it (he is still on the team)."""
    accounts = await account_store.reachable_accounts(session, {version.submitted_by})
    account = accounts.get(version.submitted_by)
    if account is None:
        return
    texts = texts_for(account.language)
    text = texts.result_passed(target_name, reviewer)
    buttons: Buttons | None = None
    if version.submitted_by in team and version.answers is not None:
        text += "\n" + texts.amend_hint()
        buttons = [
            [
                (
                    texts.amend_button(),
                    callback_data.review_step(callback_data.AMEND, version.result_id),
                )
            ]
        ]
    session.add(outbox.message(account.chat_id, text, buttons=buttons))


async def _amender_may(session: AsyncSession, person: Person, result_id: int) -> Version:
    """更正: the submitter of the version, on the team in force, while it is the latest and
    通过 (spotcheck/review.py may_amend), with the answers to open his form from."""
    version = await review_store.version_of(session, result_id)
    if version is None or version.answers is None:
        raise ReviewProblem("stale")
    latest = await review_store.latest_version(session, version.assignment_id)
    on_team = (
        await assignment_store.membership(session, version.assignment_id, person.cert_no)
        is not None
    )
    is_latest = latest is not None and latest.result_id == result_id
    if not may_amend(version.state, is_latest, version.submitted_by, person.cert_no, on_team):
        raise ReviewProblem("stale")
    return version


async def _no_form_open(session: AsyncSession, person: Person) -> None:
    """One inspection form at a time: an amendment under way (or any form of his still open)
    is finished or dropped first."""
    drafts = await draft_store.of_user(session, person.user_id, INSPECTION)
    if drafts:
        name = await _target_name(session, int(drafts[0].subject))
        raise ReviewProblem("draft_open", target_name=name)


async def _target_name(session: AsyncSession, assignment_id: int) -> str:
    assignment = await assignment_store.get(session, assignment_id)
    if assignment is None:
        return ""
    return (await assignment_store.target(session, assignment.credit_code)).name


async def begin_amendment(ctx: AppContext, person: Person, result_id: int, now: datetime) -> str:
    """更正 pressed: its reason is asked (his next text); the target's name. Refused: not his
    to amend, or not (any more) the latest passed version (stale); a form of his open
    (draft_open)."""
    async with ctx.sessions() as session, session.begin():
        version = await _amender_may(session, person, result_id)
        await _no_form_open(session, person)
        return await _ask_reason(session, person, FormKind.AMEND, version, now)


async def _open_amendment(
    session: AsyncSession, person: Person, version: Version, reason: str, now: datetime
) -> Done:
    """His inspection form opened at its review screen with the passed version's answers and
    the amendment's reason (a given, so it survives a restart); his 提交 writes the next
    version with it (bot/services/inspection.py submit). The passed version is not touched."""
    assert version.answers is not None  # _amender_may
    answers = {**version.answers, AMENDS: reason}
    opened = await draft_store.open_draft(
        session,
        person.user_id,
        INSPECTION,
        answers,
        REVIEW_SCREEN,
        now,
        subject=str(version.assignment_id),
    )
    view = await _view(session, version)
    if not opened.created:  # a form of his opened since 更正 was pressed
        name = await _target_name(session, int(opened.draft.subject))
        await session.commit()  # the reason's form is answered; nothing else changed
        raise ReviewProblem("draft_open", target_name=name)
    session.add(
        audit(
            person.actor,
            "amend",
            "inspection_results",
            str(version.result_id),
            new={"cert_no": person.cert_no, "version": version.version, "reason": reason},
        )
    )
    return Done(view.target_name, ResultState.PASSED, version.version)


# --- issue 10: a team changed mid-review ---


async def team_changed(
    session: AsyncSession, ctx: AppContext, assignment_id: int, added: str, old_lead: str | None
) -> None:
    """A member replaced (in the replacing transaction) while the assignment's latest version
    is with the team or the reviewer, so that it does not wait for nobody: while it is 已提交
    the newcomer gets the card with 确认 / 有异议 (the one he replaced can answer no more);
    while it is 待审核, whoever the change made a reviewer (a new lead) gets it with 通过 /
    退回."""
    version = await review_store.latest_version(session, assignment_id)
    if version is None:
        return
    view = await _view(session, version)
    if version.state is ResultState.SUBMITTED and added != version.submitted_by:
        buttons = {added: await _confirm_buttons(session, added, version.result_id)}
        await _send_cards(session, ctx, view, [added], buttons, "confirm_prompt")
    elif version.state is ResultState.PENDING_REVIEW:
        now = await reviewers_of(session, version, view.region_code)
        county = await account_store.county_admins(session, view.region_code)
        city = sorted(await account_store.city_admins(session))
        before = reviewers_for(old_lead, version.submitted_by, county, city)
        certs = [c for c in now.cert_nos if c not in before.cert_nos]
        buttons = {c: await _review_buttons(session, c, version.result_id) for c in certs}
        await _send_cards(session, ctx, view, certs, buttons, "review_prompt")


async def _confirm_buttons(session: AsyncSession, cert: str, result_id: int) -> Buttons:
    account = await account_store.account_of(session, cert)
    texts = texts_for(account.language if account is not None else "zh")
    return [
        [
            (texts.confirm_button(), callback_data.review_step(callback_data.CONFIRM, result_id)),
            (texts.object_button(), callback_data.review_step(callback_data.OBJECT, result_id)),
        ]
    ]


async def _review_buttons(session: AsyncSession, cert: str, result_id: int) -> Buttons:
    account = await account_store.account_of(session, cert)
    texts = texts_for(account.language if account is not None else "zh")
    return [
        [
            (texts.pass_button(), callback_data.review_step(callback_data.PASS, result_id)),
            (texts.return_button(), callback_data.review_step(callback_data.RETURN, result_id)),
        ]
    ]
