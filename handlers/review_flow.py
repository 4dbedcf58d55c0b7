"""The review chain's buttons and reasons: 确认 / 有异议 on a member's result card, 通过 / 退回 on
the reviewer's, and the reason 有异议 or 退回 waits for (the next text)."""

from __future__ import annotations

from telegram import Update

from bot.callback_data import CONFIRM, OBJECT, PASS, ReviewStep
from bot.services import assignments, review
from bot.services.identity import Person
from bot.services.review import ReviewProblem
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
        else:
            begin = review.begin_objection if step.verb == OBJECT else review.begin_return
            name = await begin(ctx, person, step.result_id, moment)
            minutes = ctx.config.limits.recusal_wait_minutes
            said = texts.reason_ask(name, step.verb != OBJECT, minutes)
    except ReviewProblem:
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
        await reply(
            update,
            texts.reason_required() if problem.kind == "reason_required" else texts.stale_button(),
        )
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
