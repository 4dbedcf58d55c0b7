"""Showing a result card in the chat that asked for it (/task_<id> of a checked assignment):
the text, then the photos' thumbnails as albums of up to ten, a lone one as a photo."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import InputMediaPhoto, Update

from bot.services.result_cards import ResultCard
from bot.texts.units import MESSAGE_UNITS, split
from handlers.common import Context, reply


async def show(update: Update, context: Context, card: ResultCard) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    for text in split(card.text, MESSAGE_UNITS):
        await reply(update, text)
    for batch in card.batches():
        # A thumbnail gone from disk is left out: the card's text still says what was recorded.
        pictures = await asyncio.to_thread(_readable, batch)
        if len(pictures) == 1:
            await context.bot.send_photo(chat.id, photo=pictures[0])
        elif pictures:
            await context.bot.send_media_group(chat.id, [InputMediaPhoto(p) for p in pictures])


def _readable(paths: list[Path]) -> list[bytes]:
    return [path.read_bytes() for path in paths if path.is_file()]
