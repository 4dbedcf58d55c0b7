"""The /import form in chat: which directory an admin's next file is, and a file held while
he says which directory it is. Kept in chat_forms, like the /draw form: a restart loses
nothing, and the kind buttons carry the form's version, so a stale or forged one does nothing."""

from __future__ import annotations

from typing import Any

from bot.context import AppContext
from bot.services.identity import Person
from spotcheck.states import FormKind
from storage import form_store

FORM = FormKind.IMPORT


async def expect_file(ctx: AppContext, person: Person, kind: str | None) -> None:
    """/import [KIND]: his next document is that directory (or one to ask about)."""
    async with ctx.sessions() as session, session.begin():
        await form_store.put(session, person.user_id, FORM, {"kind": kind})


async def waiting(ctx: AppContext, person: Person) -> dict[str, Any] | None:
    """The /import form's data when it waits for his file, else None. A form older than
    [limits] import_wait_minutes has lapsed and is cleared: his document is then no import."""
    async with ctx.sessions() as session, session.begin():
        form = await form_store.get(session, person.user_id)
        if form is None or form.kind != FORM:
            return None
        if form_store.lapsed(form, ctx.config.limits.import_wait_minutes):
            await form_store.clear(session, person.user_id)
            return None
        return dict(form.data)


async def hold_file(ctx: AppContext, person: Person, file_id: str, file_name: str) -> int:
    """Keep the file while he chooses its directory; the version the buttons carry."""
    async with ctx.sessions() as session, session.begin():
        form = await form_store.put(
            session, person.user_id, FORM, {"kind": None, "file_id": file_id, "name": file_name}
        )
        return form.version


async def take_file(ctx: AppContext, person: Person, version: int) -> tuple[str, str] | None:
    """The held file (file_id, name) for a kind button of this version, once; None when the
    button is stale or forged."""
    async with ctx.sessions() as session, session.begin():
        form = await form_store.get(session, person.user_id)
        if form is None or form.kind != FORM or form.version != version:
            return None
        if "file_id" not in form.data:
            return None
        await form_store.clear(session, person.user_id)
        return str(form.data["file_id"]), str(form.data["name"])


async def done(ctx: AppContext, person: Person) -> None:
    async with ctx.sessions() as session, session.begin():
        form = await form_store.get(session, person.user_id)
        if form is not None and form.kind == FORM:
            await form_store.clear(session, person.user_id)
