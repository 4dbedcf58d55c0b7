"""The on-site inspection form in chat: 开始检查 and /report, each question as the form
engine asks it (buttons, the check-in's reply keyboard, typed text and dates, photos), the
review screen with 修改 and 提交, /resume, and /cancel's confirmation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import KeyboardButton, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import ApplicationHandlerStop, CommandHandler, MessageHandler, filters

from bot import callback_data
from bot.services import inspection
from bot.services.identity import Person
from bot.services.inspection import (
    BACK_VALUE,
    CANCEL_KEY,
    CANCEL_NO,
    CANCEL_YES,
    CHOOSE_VALUE,
    EDIT_VALUE,
    REVIEW_KEY,
    SUBMIT_VALUE,
    InspectionProblem,
    PhotoIn,
    Screen,
)
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
from handlers.keyboards import in_rows, keyboard
from spotcheck import form
from spotcheck.form import DONE, InputKind, Location, Question
from spotcheck.inspection import AMENDS, KIND, UNLOCATED, EvidenceSource
from storage.draft_store import Stamp

BEFORE_DOCUMENTS = -1  # after the guard and the command checks, before /import's documents

Rows = list[list[tuple[str, str]]]


# ---- rendering -----------------------------------------------------------------------------


def _step(at: Stamp, key: str, value: str) -> str:
    return callback_data.form_step(KIND, at.draft, at.version, key, value)


def question_text(texts: Texts, screen: Screen, question: Question) -> str:
    item = question.item.name if question.item is not None else ""
    text = texts.form_text(question.prompt_key, item=item)
    if question.kind is InputKind.PHOTOS and screen.photos:
        text += "\n" + texts.photos_so_far(screen.photos)
    return text


def question_buttons(texts: Texts, screen: Screen, question: Question) -> Rows:
    answers, at = screen.answers, screen.stamp
    offered = form.options(question, answers)
    if question.kind is InputKind.MULTI:
        chosen = form.pending(answers, question.key)
        rows = [
            [
                (
                    texts.chosen_mark(texts.form_text(o.label_key))
                    if o.code in chosen
                    else texts.form_text(o.label_key),
                    _step(at, question.key, o.code),
                )
            ]
            for o in offered
        ]
        return [*rows, [(texts.form_text("form.done"), _step(at, question.key, DONE))]]
    if question.kind is InputKind.PHOTOS:
        return [[(texts.form_text("form.done"), _step(at, question.key, DONE))]]
    if question.kind is InputKind.LOCATION:
        return []
    buttons = [(texts.form_text(o.label_key), _step(at, question.key, o.code)) for o in offered]
    return in_rows(buttons, 3 if question.kind is InputKind.DATE else 1)


def location_keyboard(texts: Texts) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(texts.send_location_button(), request_location=True)],
            [KeyboardButton(texts.form_text("inspection.unlocated"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def review_text(texts: Texts, screen: Screen) -> str:
    lines = [texts.review_heading()]
    if screen.answers.get(AMENDS):  # issue 10: a form opened by 更正
        lines.append(texts.amending_line(str(screen.answers[AMENDS])))
    for number, line in enumerate(screen.review, start=1):
        shown = (
            line.shown
            if isinstance(line.shown, str)
            else "、".join(texts.form_text(k) for k in line.shown)
        )
        label = texts.form_text(line.label_key)
        lines.append(texts.review_line(number, label, shown, line.item))
    return "\n".join(lines)


def review_buttons(texts: Texts, screen: Screen) -> Rows:
    """修改 and 提交: two large buttons for a thumb; the numbers come after 修改."""
    return [
        [
            (texts.form_text("form.edit"), _step(screen.stamp, REVIEW_KEY, CHOOSE_VALUE)),
            (texts.form_text("form.submit"), _step(screen.stamp, REVIEW_KEY, SUBMIT_VALUE)),
        ]
    ]


def edit_buttons(texts: Texts, screen: Screen) -> Rows:
    """修改 N for every answer on the review screen, and 返回 to 修改 / 提交."""
    edits = [
        (texts.edit_button(number), _step(screen.stamp, line.key, EDIT_VALUE))
        for number, line in enumerate(screen.review, start=1)
    ]
    back = (texts.form_text("form.back"), _step(screen.stamp, REVIEW_KEY, BACK_VALUE))
    return [*in_rows(edits, 4), [back]]


async def show(update: Update, context: Context, screen: Screen) -> None:
    """The open question (with its buttons or keyboard), or the review screen."""
    texts = texts_of(update, context)
    if screen.resumed or screen.version == 1:
        head = texts.inspection_resumed if screen.resumed else texts.inspection_heading
        await reply(update, head(screen.target_name))
    question = screen.question
    if question is None:
        await reply(
            update, review_text(texts, screen), reply_markup=keyboard(review_buttons(texts, screen))
        )
    elif question.kind is InputKind.LOCATION:
        text = question_text(texts, screen, question)
        await reply(update, text, reply_markup=location_keyboard(texts))
    else:
        rows = question_buttons(texts, screen, question)
        markup = keyboard(rows) if rows else None
        await reply(update, question_text(texts, screen, question), reply_markup=markup)


async def _after_checkin(update: Update, context: Context, screen: Screen) -> None:
    """What the check-in recorded, said as the reply keyboard goes away."""
    texts, checkin = texts_of(update, context), screen.checkin
    if checkin is None:
        return
    if checkin.unlocated:
        text = texts.checkin_unlocated()
    elif checkin.distance_m is None:
        text = texts.checkin_no_coordinates()
    else:
        radius = app_context(context).config.inspection.checkin_radius_m
        text = texts.checkin_distance(checkin.distance_m, radius, checkin.flagged)
    await reply(update, text, reply_markup=ReplyKeyboardRemove())


async def _problem(
    update: Update, context: Context, person: Person, problem: InspectionProblem
) -> None:
    """A refusal: stale and forged buttons are logged and alerted; the rest are said."""
    texts, query, details = texts_of(update, context), update.callback_query, problem.details
    if problem.kind in ("stale", "not_yours"):
        await refuse_forged(update, context, person, problem.kind, "inspection")
        return
    target = str(details.get("target_name", ""))
    if problem.kind == "invalid":
        text = texts.form_text(str(details["reason_key"]), **details.get("detail", {}))
    elif problem.kind == "not_accepted":
        text = texts.inspection_not_accepted(target)
    elif problem.kind == "submitted":
        text = texts.inspection_already_submitted(target)
    elif problem.kind == "held":
        text = texts.inspection_held(target, str(details["name"]))
    elif problem.kind == "other_open":
        text = texts.inspection_other_open(target)
    elif problem.kind == "result_exists":
        text = texts.inspection_result_exists(target)
    elif problem.kind == "image_refused":
        text = texts.image_refused(
            str(details["refusal"]), int(details["size"]), int(details["limit"])
        )
    else:
        text = texts.photo_not_expected()
    if query is not None:
        await query.answer()
    await reply(update, text)


# ---- starting ------------------------------------------------------------------------------


async def on_start(update: Update, context: Context, person: Person, args: tuple[str, ...]) -> None:
    """开始检查 (or 继续填写 from /report)."""
    query, ctx = update.callback_query, app_context(context)
    assert query is not None
    assignment_id = callback_data.as_int(args[0]) if len(args) == 1 else None
    try:
        if assignment_id is None:
            raise InspectionProblem("not_yours")
        screen = await inspection.start(
            ctx, person, assignment_id, local_today(context), now(context)
        )
    except InspectionProblem as problem:
        await _problem(update, context, person, problem)
        return
    await query.answer()
    await show(update, context, screen)


async def report(update: Update, context: Context) -> None:
    """/report: his accepted assignments without a result, each to start or continue."""
    person, texts = caller(context), texts_of(update, context)
    if person is None:
        return
    found = await inspection.startable(app_context(context), person)
    if not found:
        await reply(update, texts.report_none())
        return
    rows = [
        [
            (
                texts.report_button(s.target_name, s.mine),
                callback_data.start_inspection(s.assignment_id),
            )
        ]
        for s in found
    ]
    await reply(update, texts.report_list(), reply_markup=keyboard(rows))


async def resume(update: Update, context: Context) -> None:
    """/resume: the open question of his open inspection form, or its review screen."""
    person = caller(context)
    if person is None:
        return
    screen = await inspection.open_screen(app_context(context), person)
    if screen is None:
        await reply(update, texts_of(update, context).resume_none())
        return
    await show(update, context, screen)


# ---- answering -----------------------------------------------------------------------------


async def on_step(update: Update, context: Context, person: Person) -> None:
    """A button of the inspection form: an answer, 修改, 提交, or /cancel's confirmation."""
    query, ctx = update.callback_query, app_context(context)
    assert query is not None
    step = callback_data.parse_form_step(query.data)
    try:
        if step is None or step.kind != KIND:
            raise InspectionProblem("stale")
        at = Stamp(step.draft, step.version)
        if step.key == REVIEW_KEY and step.value == SUBMIT_VALUE:
            target = await inspection.submit(ctx, person, at, now(context))
            context.bot_data.outbox.wake()
            await query.answer()
            await reply(update, texts_of(update, context).inspection_submitted(target))
            return
        if step.key == REVIEW_KEY and step.value in (CHOOSE_VALUE, BACK_VALUE):
            screen = await inspection.reviewing(ctx, person, at)
            texts = texts_of(update, context)
            rows = edit_buttons if step.value == CHOOSE_VALUE else review_buttons
            await query.answer()
            await query.edit_message_reply_markup(keyboard(rows(texts, screen)))
            return
        if step.key == CANCEL_KEY:
            await _cancel_answer(update, context, person, at, step.value)
            return
        if step.value == EDIT_VALUE:
            screen = await inspection.edit(ctx, person, at, step.key, now(context))
        else:
            screen = await inspection.answer(
                ctx, person, at, step.key, step.value, local_today(context), now(context)
            )
    except InspectionProblem as problem:
        await _problem(update, context, person, problem)
        return
    await query.answer()
    await show(update, context, screen)


async def _answered(
    update: Update, context: Context, person: Person, key: str, raw: object
) -> None:
    """A typed or sent answer (text, date, location) to the open question ``key``."""
    ctx = app_context(context)
    try:
        screen = await inspection.answer(
            ctx, person, None, key, raw, local_today(context), now(context)
        )
    except InspectionProblem as problem:
        await _problem(update, context, person, problem)
        return
    await _after_checkin(update, context, screen)
    await show(update, context, screen)


def is_unlocated(update: Update, context: Context, text: str) -> bool:
    """The text is the check-in keyboard's 无法定位."""
    return text.strip() == texts_of(update, context).form_text("inspection.unlocated")


async def text_answer(
    update: Update, context: Context, person: Person, text: str, only_checkin: bool = False
) -> bool:
    """The text as the answer his inspection draft waits for (text, date, 无法定位; with
    ``only_checkin`` only the check-in's 无法定位); False when it waits for none (the text is
    then an ordinary message, or another form's answer)."""
    question = await inspection.waiting_for_text(app_context(context), person)
    if question is None:
        return False
    if question.kind is InputKind.LOCATION:
        if not is_unlocated(update, context, text):
            return False
        await _answered(update, context, person, question.key, UNLOCATED)
        return True
    if question.kind is InputKind.PHOTOS or only_checkin:
        return False
    await _answered(update, context, person, question.key, text)
    return True


async def on_location(update: Update, context: Context) -> None:
    person, message = caller(context), update.effective_message
    if person is None or message is None or message.location is None:
        return
    texts = texts_of(update, context)
    question = await inspection.waiting_for_text(app_context(context), person)
    if question is None or question.kind is not InputKind.LOCATION:
        await reply(update, texts.location_not_expected())
        return
    if message.forward_origin is not None:  # an old pin (from the gate, from someone): no check-in
        await reply(update, texts.checkin_forwarded(), reply_markup=location_keyboard(texts))
        return
    where = Location(message.location.latitude, message.location.longitude)
    await _answered(update, context, person, question.key, where)


# ---- photos --------------------------------------------------------------------------------


def photo_of(message: Message) -> tuple[PhotoIn, Callable[[], Awaitable[bytes]]] | None:
    note = message.caption or ""
    if message.photo:
        size = message.photo[-1]
        source = EvidenceSource.PHOTO
        file_id, unique, file_size = size.file_id, size.file_unique_id, size.file_size
    elif message.document is not None:
        document = message.document
        source = EvidenceSource.DOCUMENT
        file_id, unique, file_size = document.file_id, document.file_unique_id, document.file_size
    else:
        return None

    async def fetch() -> bytes:
        file = await message.get_bot().get_file(file_id)
        return bytes(await file.download_as_bytearray())

    return PhotoIn(unique, file_size, source, note), fetch


# A file's name that claims an image (a phone's original sent as a file: its type may be
# missing or generic): taken as evidence, then checked like any photo.
IMAGE_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "png", "webp", "gif", "heic", "heif", "tif", "tiff", "bmp"}
)


def claims_image(message: Message) -> bool:
    """A photo, or a file whose type or name says it is an image (whether it is one is checked
    when it is stored); anything else, an /import spreadsheet say, is no evidence."""
    if message.photo:
        return True
    document = message.document
    if document is None:
        return False
    if (document.mime_type or "").lower().startswith("image/"):
        return True
    name = document.file_name or ""
    return "." in name and name.rsplit(".", 1)[1].lower() in IMAGE_EXTENSIONS


async def on_photo(update: Update, context: Context) -> None:
    """A photo or an image file: evidence while the photos question is open, refused (not
    stored) at any other time. Any other file goes on to /import's handler, even while the
    photos question is open (an inspector who is an admin imports a directory)."""
    person, message = caller(context), update.effective_message
    if person is None or message is None or not claims_image(message):
        return  # not ours: /import's file, or anything else
    ctx, texts = app_context(context), texts_of(update, context)
    found = photo_of(message)
    if found is None:
        return
    try:
        added = await inspection.add_photo(ctx, person, *found, now(context))
    except InspectionProblem as problem:
        await _problem(update, context, person, problem)
        raise ApplicationHandlerStop from None
    text = texts.photo_received(added.count) if added.new else texts.photo_again(added.count)
    await reply(update, text)
    raise ApplicationHandlerStop


# ---- /cancel -------------------------------------------------------------------------------


async def ask_cancel(update: Update, context: Context, person: Person) -> bool:
    """/cancel with an inspection draft open: ask before discarding it (it holds answers; the
    photos stay as evidence). False when he has none."""
    texts = texts_of(update, context)
    pending = await inspection.pending_discard(app_context(context), person)
    if pending is None:
        return False
    at, target = pending
    rows = [
        [
            (texts.discard_draft_button(), _step(at, CANCEL_KEY, CANCEL_YES)),
            (texts.keep_draft_button(), _step(at, CANCEL_KEY, CANCEL_NO)),
        ]
    ]
    await reply(update, texts.inspection_cancel_ask(target), reply_markup=keyboard(rows))
    return True


async def _cancel_answer(
    update: Update, context: Context, person: Person, at: Stamp, value: str
) -> None:
    query, ctx, texts = update.callback_query, app_context(context), texts_of(update, context)
    assert query is not None
    if value == CANCEL_YES:
        target = await inspection.discard(ctx, person, at)
        await query.answer()
        await reply(update, texts.inspection_discarded(target), reply_markup=ReplyKeyboardRemove())
        return
    screen = await inspection.open_screen(ctx, person)
    if value != CANCEL_NO or screen is None or screen.stamp != at:
        raise InspectionProblem("stale")
    await query.answer()
    await show(update, context, screen)


def register(application: App) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("report", report))
    application.add_handler(CommandHandler("resume", resume))
    application.add_handler(MessageHandler(filters.LOCATION & private, on_location))
    application.add_handler(
        MessageHandler((filters.PHOTO | filters.Document.ALL) & private, on_photo),
        group=BEFORE_DOCUMENTS,
    )
