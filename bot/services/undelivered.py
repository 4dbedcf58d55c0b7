"""A message Telegram refused for good (400): the city admins hear who missed what."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import outbox
from bot.texts import Texts, texts_for
from storage import account_store

EXCERPT = 80  # characters of the lost text quoted to the admins


async def notify_city_admins(
    session: AsyncSession, chat_id: int, part: dict[str, Any], error: str
) -> None:
    """Queue, in the caller's transaction, one notice to each city admin (but the recipient
    himself) naming the recipient and the message lost. The notices are quiet: if Telegram
    refuses one of them too, nobody is told of that."""
    named = await account_store.name_behind_chat(session, chat_id)
    name, cert_no = named if named else (None, None)
    city_admins = await account_store.city_admins(session)
    for admin in (await account_store.reachable_accounts(session, city_admins)).values():
        if admin.chat_id == chat_id:
            continue
        texts = texts_for(admin.language)
        who = texts.undelivered_recipient(name, cert_no, chat_id)
        notice = texts.undelivered(who, _lost(texts, part), error)
        session.add(outbox.message(admin.chat_id, notice, quiet=True))


def _lost(texts: Texts, part: dict[str, Any]) -> str:
    kind = part["kind"]
    if kind == "message":
        flat = " ".join(str(part["text"]).split())
        return texts.lost_part(kind, flat if len(flat) <= EXCERPT else flat[:EXCERPT] + "…")
    return texts.lost_part(kind, str(part.get("record_id", "")))
