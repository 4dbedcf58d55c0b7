"""The directories in chat: /import then an .xlsx (or an .xlsx with the caption /import KIND),
/template KIND. Admins only; a county admin imports his own county's rows only.

Which file is an import: a city admin's spreadsheet (.xlsx, .xlsm, .xls, .csv) always is (his
other files go to the policy library); a county admin's only when announced — /import first,
or /import in the caption — since his other files are the county's report submissions. The
directory comes from /import KIND, else from the header row, else he is asked with buttons."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import CommandHandler

from bot import callback_data
from bot.services import chat_import, directories
from bot.services.identity import Person
from bot.texts import Texts
from handlers.common import App, Context, app_context, caller, reply, texts_of
from handlers.keyboards import keyboard
from spotcheck.roles import Role, may_import
from spotcheck.states import FormKind
from storage.draft_store import Stamp
from storage.excel import SheetProblem, SheetProblemKind, SheetRejected
from storage.sheets import KINDS

ADMINS = (Role.ADMIN, Role.COUNTY_ADMIN)
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".csv")
SHOWN_PROBLEMS = 15  # in the chat message; all of them are in the error copy


def _kind(texts: Texts, words: list[str]) -> str | None:
    word = words[0].strip().lower() if words else ""
    return next((k for k in KINDS if word in (k, texts.kind_label(k), texts.kind_name(k))), None)


async def import_command(update: Update, context: Context) -> None:
    person, texts = caller(context), texts_of(update, context)
    if person is None:
        return
    kind = _kind(texts, context.args or [])
    if not await _allowed(update, texts, person, kind):
        return
    await chat_import.expect_file(app_context(context), person, kind)
    await reply(update, texts.import_send_file(kind))


async def template_command(update: Update, context: Context) -> None:
    person, texts, message = caller(context), texts_of(update, context), update.effective_message
    if person is None or message is None:
        return
    if person.role not in ADMINS:
        await reply(update, texts.import_not_admin())
        return
    kind = _kind(texts, context.args or [])
    if kind is None:
        await reply(update, texts.template_usage())
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "template.xlsx"
        regions = app_context(context).config.regions
        await asyncio.to_thread(directories.write_template, regions, kind, path)  # off the loop
        await message.reply_document(
            path.read_bytes(),
            filename=texts.template_file(kind),
            caption=texts.template_caption(kind),
        )


async def takes_document(update: Update, context: Context, person: Person) -> bool:
    """Import the document when it is one (see the module's note); False to leave it to the
    policy library or the county's submissions."""
    message = update.effective_message
    assert message is not None and message.document is not None
    if person.role not in ADMINS:
        return False
    texts, ctx = texts_of(update, context), app_context(context)
    caption = (message.caption or "").split()
    announced = bool(caption) and caption[0].split("@")[0] == "/import"
    form = None if announced else await chat_import.waiting(ctx, person)
    name = (message.document.file_name or "").lower()
    if not (announced or form is not None or _city_sheet(person, name)):
        return False
    kind = _kind(texts, caption[1:]) if announced else (form or {}).get("kind")
    if not await _allowed(update, texts, person, kind):
        return True
    limit = ctx.config.storage.max_import_mb * 1024 * 1024
    size = message.document.file_size or 0
    if size > limit:  # refused before downloading, as the CLI refuses before opening
        problem = SheetProblem(SheetProblemKind.TOO_LARGE, f"{size}/{limit}")
        await reply(update, texts.sheet_problem(problem))
        await chat_import.done(ctx, person)
        return True
    await _import(update, context, person, kind, message.document.file_id, name)
    return True


def _city_sheet(person: Person, name: str) -> bool:
    """A city admin's spreadsheet (an .xls or .csv too, to be told how to save it as .xlsx)."""
    return person.role is Role.ADMIN and name.endswith(SPREADSHEETS)


async def on_kind(
    update: Update, context: Context, person: Person, step: callback_data.FormStep
) -> None:
    """A directory chosen for the held file (``fm:im:<draft>:<version>:kind:<directory>``)."""
    query, texts, ctx = update.callback_query, texts_of(update, context), app_context(context)
    assert query is not None
    held = None
    kind = step.value
    if step.key == chat_import.KIND and kind in KINDS and may_import(person.role, kind):
        held = await chat_import.take_file(ctx, person, Stamp(step.draft, step.version))
    if held is None:
        await query.answer(texts.stale_button(), show_alert=True)
        return
    await query.answer()
    await _import(update, context, person, kind, *held)


async def _allowed(update: Update, texts: Texts, person: Person, kind: str | None) -> bool:
    if person.role not in ADMINS:
        await reply(update, texts.import_not_admin())
        return False
    if kind is not None and not may_import(person.role, kind):
        await reply(update, texts.import_kind_not_allowed(kind))
        return False
    return True


async def _import(
    update: Update, context: Context, person: Person, kind: str | None, file_id: str, name: str
) -> None:
    """Import the file; the /import form is done whatever happens (a failed download or edit
    must not leave it to capture his next document), unless he is asked for the directory."""
    asked = False
    try:
        asked = await _download_and_run(update, context, person, kind, file_id, name)
    finally:
        if not asked:
            await chat_import.done(app_context(context), person)


async def _download_and_run(
    update: Update, context: Context, person: Person, kind: str | None, file_id: str, name: str
) -> bool:
    """True when he is asked which directory the file is (the form then holds it)."""
    ctx, texts = app_context(context), texts_of(update, context)
    limit = ctx.config.storage.max_import_mb * 1024 * 1024
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.xlsx"
        await (await context.bot.get_file(file_id)).download_to_drive(path)
        if kind is None:
            try:
                # the container checks and openpyxl take seconds on a large sheet: off the loop
                kinds = await asyncio.to_thread(
                    directories.detect_kind, ctx.config.regions, path, limit
                )
            except SheetRejected as rejected:
                await reply(update, "\n".join(texts.sheet_problem(p) for p in rejected.problems))
                return False
            kinds = [k for k in kinds if may_import(person.role, k)]
            if len(kinds) != 1:
                await _ask_kind(update, context, person, file_id, name)
                return True
            kind = kinds[0]
        await _run(update, context, person, kind, path)
    return False


async def _ask_kind(
    update: Update, context: Context, person: Person, file_id: str, name: str
) -> None:
    ctx, texts = app_context(context), texts_of(update, context)
    at = await chat_import.hold_file(ctx, person, file_id, name)
    buttons = [
        (
            texts.kind_label(k),
            callback_data.form_step(FormKind.IMPORT, at.draft, at.version, chat_import.KIND, k),
        )
        for k in KINDS
        if may_import(person.role, k)
    ]
    await reply(update, texts.import_ask_kind(), reply_markup=keyboard([buttons]))


async def _run(update: Update, context: Context, person: Person, kind: str, path: Path) -> None:
    """The same import as the command line's, with the progress edited into one message and
    the error copy sent back when rows are refused."""
    ctx, texts, chat = app_context(context), texts_of(update, context), update.effective_chat
    assert chat is not None
    message = await context.bot.send_message(chat.id, texts.import_started(kind))
    progress = ProgressMessage(
        message,
        lambda done, total: texts.import_progress(kind, done, total),
        ctx.config.telegram.progress_seconds,
    )
    report = await directories.import_directory(
        ctx.sessions,
        ctx.config.regions,
        kind,
        path,
        actor=person.actor,
        max_bytes=ctx.config.storage.max_import_mb * 1024 * 1024,
        county=person.region if person.role is Role.COUNTY_ADMIN else None,
        progress=progress,
    )
    await progress.finish()
    await message.edit_text("\n".join(directories.report_lines(texts, report, SHOWN_PROBLEMS)))
    if report.problems:
        errors = path.with_name("errors.xlsx")
        await asyncio.to_thread(  # reads and writes the whole sheet: not on the shared loop
            directories.write_error_copy,
            path,
            errors,
            texts.error_sheet_title(),
            texts.error_column(),
            directories.notes_by_row(report.problems, texts.cell_problem),
            ctx.config.storage.max_import_mb * 1024 * 1024,
        )
        await context.bot.send_document(
            chat.id,
            errors.read_bytes(),
            filename=texts.import_errors_file(kind),
            caption=texts.import_errors_caption(),
        )


class ProgressMessage:
    """A ``Progress`` that edits one message, at most every ``interval`` seconds. It is told
    from the thread reading the sheet, so the edits are handed to the bot's event loop."""

    def __init__(
        self,
        message: Message,
        text: Callable[[int, int], str],
        interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.message, self.text, self.interval, self.clock = message, text, interval, clock
        self.loop = asyncio.get_running_loop()
        self.next_at = clock() + interval
        self.edits: list[Future[None]] = []

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if now < self.next_at:
            return
        self.next_at = now + self.interval
        self.edits.append(asyncio.run_coroutine_threadsafe(self._edit(done, total), self.loop))

    async def _edit(self, done: int, total: int) -> None:
        with contextlib.suppress(TelegramError):  # a lost progress edit must not fail the import
            await self.message.edit_text(self.text(done, total))

    async def finish(self) -> None:
        """Wait for the edits under way, so that none lands after the outcome."""
        for edit in self.edits:
            await asyncio.wrap_future(edit)


def register(application: App) -> None:
    application.add_handler(CommandHandler("import", import_command))
    application.add_handler(CommandHandler("template", template_command))
