"""The review chain's buttons and reasons: 确认 / 有异议 on a member's result card, 通过 / 退回 on
the reviewer's, 更正 on the submitter's 【审核通过】, and the reason 有异议, 退回 or 更正 waits
for (the next text)."""

from __future__ import annotations

from telegram import Update

from bot.callback_data import AMEND, CONFIRM, OBJECT, PASS, ReviewStep
from bot.services import assignments, inspection, review
from bot.services.identity import Person
from bot.services.review import ReviewProblem
from handlers import inspection_flow
from handlers.common import Context, app_context, now, reply, texts_of
from spotcheck.states import FormKind


async def on_step(update: Update, context: Context, person: Person, step: ReviewStep) -> None:
    texts, query, ctx = texts_of(update, context), update.callback_query, app_context(context)
    assert query is not None
    moment = now(context)
    try:
        if step.verb == CONFIRM:
            done = await review.confirm(ctx, person, step.result_id, moment)
            said = texts.confirmed(done.target_name, done.state)
        elif step.verb == PASS:
            done = await review.pass_result(ctx, person, step.result_id, moment)
            said = texts.passed_done(done.target_name)
        elif step.verb == AMEND:  # issue 10: amendments
            name = await review.begin_amendment(ctx, person, step.result_id, moment)
            said = texts.amend_reason_ask(name, ctx.config.limits.recusal_wait_minutes)
        else:
            begin = review.begin_objection if step.verb == OBJECT else review.begin_return
            name = await begin(ctx, person, step.result_id, moment)
            minutes = ctx.config.limits.recusal_wait_minutes
            said = texts.reason_ask(name, step.verb != OBJECT, minutes)
    except ReviewProblem as problem:
        if problem.kind == "draft_open":  # his own form first: not a forgery
            await query.answer()
            await reply(update, texts.amend_draft_open(problem.details["target_name"]))
            return
        await _refused(update, context, person, step)
        return
    context.bot_data.outbox.wake()
    await query.answer()
    await reply(update, said)


async def reason_typed(update: Update, context: Context, person: Person, text: str) -> bool:
    """The text as the reason a 有异议 or 退回 waits for; False when none waits or it lapsed
    (the text is then an ordinary message)."""
    texts, ctx = texts_of(update, context), app_context(context)
    kind = FormKind(person.waiting or FormKind.OBJECTION)
    try:
        done = await review.complete_reason(ctx, person, kind, text, now(context))
    except ReviewProblem as problem:
        if problem.kind == "no_reason":
            return False
        if problem.kind == "lapsed":
            minutes = ctx.config.limits.recusal_wait_minutes
            await reply(update, texts.reason_lapsed(problem.details["target_name"], minutes))
            return False
        if problem.kind == "draft_open":
            await reply(update, texts.amend_draft_open(problem.details["target_name"]))
            return True
        await reply(
            update,
            texts.reason_required() if problem.kind == "reason_required" else texts.stale_button(),
        )
        return True
    if kind is FormKind.AMEND:  # issue 10: his form, opened as the amendment
        screen = await inspection.open_screen(ctx, person)
        if screen is not None:
            await reply(update, texts.amend_opened(done.target_name, done.version))
            await inspection_flow.show(update, context, screen)
            return True
    context.bot_data.outbox.wake()
    await reply(update, texts.sent_back_done(done.target_name, done.state))
    return True


async def _refused(update: Update, context: Context, person: Person, step: ReviewStep) -> None:
    """A forged or stale button: nothing changed; logged, and answered with the stale alert."""
    user, query = update.effective_user, update.callback_query
    await assignments.log_refused(
        app_context(context),
        person,
        user.id if user else 0,
        "callback",
        f"review:{step.verb}:{step.result_id}",
    )
    if query is not None:
        await query.answer(texts_of(update, context).stale_button(), show_alert=True)
