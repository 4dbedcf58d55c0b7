"""Follow-ups closed in chat: /followups lists his open ones, each with 办结; 办结 asks for the
note, then (责令整改) the photos of the correction; 完成 closes it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CommandHandler, MessageHandler, filters

from bot import callback_data
from bot.services import follow_ups
from bot.services.follow_ups import FollowUpProblem, Screen
from bot.services.identity import Person
from bot.texts import Texts
from handlers.common import (
    App,
    Context,
    app_context,
    caller,
    local_today,
    now,
    refuse_forged,
    reply,
    texts_of,
)
from handlers.inspection_flow import BEFORE_DOCUMENTS, claims_image, photo_of
from handlers.keyboards import keyboard
from spotcheck.follow_up import PHOTOS
from spotcheck.form import DONE, InputKind
from spotcheck.states import FormKind
from storage.draft_store import Stamp

BEFORE_INSPECTION_PHOTOS = BEFORE_DOCUMENTS - 1  # a correction photo is not the inspection's
MAX_LISTED = 20  # /followups shows this many (nearest deadline first), and says how many more
CONFIRM_KEY = "close"  # the 完成 screen's button (the draft's open question is "" there)


def _done(texts: Texts, screen: Screen, key: str) -> list[list[tuple[str, str]]]:
    data = callback_data.form_step(
        FormKind.FOLLOW_UP, screen.stamp.draft, screen.stamp.version, key, DONE
    )
    return [[(texts.form_text("form.done"), data)]]


async def show(update: Update, context: Context, screen: Screen) -> None:
    texts, question, f = texts_of(update, context), screen.question, screen.follow_up
    if question is None:
        text = texts.closing_confirm(f.target_name, f.kind, screen.note)
        await reply(update, text, reply_markup=keyboard(_done(texts, screen, CONFIRM_KEY)))
        return
    prompt = texts.form_text(question.prompt_key)
    if question.key == PHOTOS:
        if screen.photos:
            prompt += "\n" + texts.photos_so_far(screen.photos)
        await reply(update, prompt, reply_markup=keyboard(_done(texts, screen, PHOTOS)))
        return
    await reply(update, f"{texts.closing_heading(f.target_name, f.kind, screen.resumed)}\n{prompt}")


async def _problem(
    update: Update, context: Context, person: Person, problem: FollowUpProblem
) -> None:
    """A refusal: stale and forged buttons are logged and alerted; the rest are said."""
    texts, query, details = texts_of(update, context), update.callback_query, problem.details
    if problem.kind in ("stale", "not_yours"):
        await refuse_forged(update, context, person, problem.kind, "follow_up")
        return
    if problem.kind == "invalid":
        text = texts.form_text(str(details["reason_key"]), **details.get("detail", {}))
    elif problem.kind == "closed":
        text = texts.follow_up_already_closed()
    elif problem.kind == "held":
        text = texts.follow_up_held(str(details["name"]))
    elif problem.kind == "not_a_correction":
        text = texts.not_a_correction()
    elif problem.kind == "image_refused":
        text = texts.image_refused(
            str(details["refusal"]), int(details["size"]), int(details["limit"])
        )
    else:
        text = texts.photo_not_expected()
    if query is not None:
        await query.answer()
    await reply(update, text)


async def list_open(update: Update, context: Context) -> None:
    """/followups: his open follow-ups, one message each with 办结."""
    person, texts = caller(context), texts_of(update, context)
    if person is None:
        return
    found = await follow_ups.mine(app_context(context), person)
    if not found:
        await reply(update, texts.follow_ups_none())
        return
    listed = found[:MAX_LISTED]
    await reply(update, texts.follow_ups_heading(len(found), len(listed)))
    today = local_today(context)
    for f in listed:
        text = texts.follow_up_line(f.target_name, f.kind, f.deadline, f.agency, today)
        button = (texts.close_follow_up_button(), callback_data.close_follow_up(f.id))
        await reply(update, text, reply_markup=keyboard([[button]]))


async def on_close(update: Update, context: Context, person: Person, args: tuple[str, ...]) -> None:
    """办结 (from /followups or a deadline reminder)."""
    query = update.callback_query
    assert query is not None
    follow_up_id = callback_data.as_int(args[0]) if len(args) == 1 else None
    try:
        if follow_up_id is None:
            raise FollowUpProblem("not_yours")
        screen = await follow_ups.begin(app_context(context), person, follow_up_id, now(context))
    except FollowUpProblem as problem:
        await _problem(update, context, person, problem)
        return
    await query.answer()
    await show(update, context, screen)


async def on_step(
    update: Update, context: Context, person: Person, step: callback_data.FormStep
) -> None:
    """完成: on the photos question, or on the 完成 screen."""
    query = update.callback_query
    assert query is not None
    try:
        if step.value != DONE or step.key not in (PHOTOS, CONFIRM_KEY):
            raise FollowUpProblem("stale")
        key = PHOTOS if step.key == PHOTOS else follow_ups.CONFIRM
        at = Stamp(step.draft, step.version)
        closed = await follow_ups.finish(app_context(context), person, at, key, now(context))
    except FollowUpProblem as problem:
        await _problem(update, context, person, problem)
        return
    await query.answer()
    f, texts = closed.follow_up, texts_of(update, context)
    await reply(update, texts.follow_up_closed(f.target_name, f.kind, closed.photos))


async def text_answer(update: Update, context: Context, person: Person, text: str) -> bool:
    """The text as his closing's note; False when it waits for none."""
    question = await follow_ups.waiting_for(app_context(context), person)
    if question is None or question.kind is not InputKind.TEXT:
        return False
    try:
        screen = await follow_ups.answer_note(app_context(context), person, text, now(context))
    except FollowUpProblem as problem:
        await _problem(update, context, person, problem)
        return True
    await show(update, context, screen)
    return True


async def on_photo(update: Update, context: Context) -> None:
    """A photo or image file while his closing of a 责令整改 asks for photos: a photo of the
    correction. At any other time it goes on to the inspection's handler."""
    person, message = caller(context), update.effective_message
    if person is None or message is None or not claims_image(message):
        return
    ctx, texts = app_context(context), texts_of(update, context)
    question = await follow_ups.waiting_for(ctx, person)
    if question is None or question.kind is not InputKind.PHOTOS:
        return  # the inspection's (or nobody's: it says so)
    found = photo_of(message)
    if found is None:
        return
    try:
        added = await follow_ups.add_photo(ctx, person, *found, now(context))
    except FollowUpProblem as problem:
        await _problem(update, context, person, problem)
        raise ApplicationHandlerStop from None
    text = (
        texts.correction_photo_received(added.count)
        if added.new
        else texts.correction_photo_again(added.count)
    )
    await reply(update, text)
    raise ApplicationHandlerStop


def register(application: App) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("followups", list_open))
    application.add_handler(
        MessageHandler((filters.PHOTO | filters.Document.ALL) & private, on_photo),
        group=BEFORE_INSPECTION_PHOTOS,
    )
