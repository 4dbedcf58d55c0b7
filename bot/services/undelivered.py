"""A message Telegram refused for good (400): the city admins hear who missed what."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import outbox
from bot.services.pushes import accounts_of
from bot.texts import Texts, texts_for
from spotcheck.roles import Role
from storage.bot_models import TelegramAccount
from storage.models import Inspector

EXCERPT = 80  # characters of the lost text quoted to the admins


async def notify_city_admins(
    session: AsyncSession, chat_id: int, part: dict[str, Any], error: str
) -> None:
    """Queue, in the caller's transaction, one notice to each city admin (but the recipient
    himself) naming the recipient and the message lost. The notices are quiet: if Telegram
    refuses one of them too, nobody is told of that."""
    named = (
        await session.execute(
            select(Inspector.name, Inspector.cert_no)
            .join(TelegramAccount, TelegramAccount.cert_no == Inspector.cert_no)
            .where(TelegramAccount.chat_id == chat_id)
        )
    ).first()
    name, cert_no = (named[0], named[1]) if named else (None, None)
    city_admins = set(
        await session.scalars(
            select(Inspector.cert_no).where(Inspector.active, Inspector.role == Role.ADMIN.value)
        )
    )
    for admin in (await accounts_of(session, city_admins)).values():
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
