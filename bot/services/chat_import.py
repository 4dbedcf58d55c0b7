"""The /import form in chat: which directory an admin's next file is, and a file held while
he says which directory it is. Kept as his import draft (form_drafts), beside any other form
he holds: a restart loses nothing, and the kind buttons carry the draft's id and version, so a
stale, doubled or forged one, or one of a file held before, does nothing (the file is taken by
compare-and-set)."""

from __future__ import annotations

from typing import Any

from bot.context import AppContext
from bot.services import form_drafts
from bot.services.identity import Person
from spotcheck.states import FormKind
from storage import draft_store
from storage.draft_store import Stamp
from storage.models import utcnow

FORM = FormKind.IMPORT
FILE = "file"  # the open question while he is to send the file
KIND = "kind"  # the open question while a held file waits for its directory


async def expect_file(ctx: AppContext, person: Person, kind: str | None) -> None:
    """/import [KIND]: his next document is that directory (or one to ask about)."""
    async with ctx.sessions() as session, session.begin():
        await form_drafts.restart(session, person.user_id, FORM, {"kind": kind}, FILE, utcnow())


async def waiting(ctx: AppContext, person: Person) -> dict[str, Any] | None:
    """The /import form's data when it waits for his file, else None. A form older than
    [limits] import_wait_minutes has lapsed and is dropped: his document is then no import."""
    async with ctx.sessions() as session, session.begin():
        draft = await form_drafts.mine(session, person.user_id, FORM)
        if draft is None:
            return None
        if form_drafts.lapsed(draft, ctx.config.limits.import_wait_minutes, utcnow()):
            await draft_store.discard(session, draft.id, draft.version)
            return None
        return dict(draft.data)


async def hold_file(ctx: AppContext, person: Person, file_id: str, file_name: str) -> Stamp:
    """Keep the file while he chooses its directory; the stamp the buttons carry."""
    data = {"kind": None, "file_id": file_id, "name": file_name}
    async with ctx.sessions() as session, session.begin():
        draft = await form_drafts.restart(session, person.user_id, FORM, data, KIND, utcnow())
        return draft.stamp


async def take_file(ctx: AppContext, person: Person, at: Stamp) -> tuple[str, str] | None:
    """The held file (file_id, name) for a kind button of this draft and version, once; None
    when the button is stale or forged."""
    async with ctx.sessions() as session, session.begin():
        draft = await form_drafts.mine(session, person.user_id, FORM)
        if draft is None or draft.stamp != at or "file_id" not in draft.data:
            return None
        if not await draft_store.discard(session, draft.id, at.version):
            return None  # taken by a second press at the same moment
        return str(draft.data["file_id"]), str(draft.data["name"])


async def done(ctx: AppContext, person: Person) -> None:
    async with ctx.sessions() as session, session.begin():
        draft = await form_drafts.mine(session, person.user_id, FORM)
        if draft is not None:
            await draft_store.discard(session, draft.id)
