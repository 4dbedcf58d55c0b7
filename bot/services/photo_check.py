"""A photo sent as evidence, checked before anything is stored: its size as Telegram reports
it before the download, then Pillow's verify and a draft-mode decode in a worker thread
(storage/evidence_store.py inspect_image) — the same for the inspection's photos and for a
follow-up's correction photos."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.context import AppContext
from bot.services.problems import ServiceProblem
from storage.evidence_store import ImageFacts, ImageRefused, PhotoLimits, RefusalKind, inspect_image


async def checked_photo(
    ctx: AppContext,
    file_size: int | None,
    fetch: Callable[[], Awaitable[bytes]],
    problem: type[ServiceProblem],
) -> tuple[bytes, ImageFacts]:
    """The photo's bytes and what the check found; refused as ``problem("image_refused",
    refusal, size, limit)`` — too large (before downloading it), not an image, truncated, a
    decompression bomb."""
    config = ctx.config.inspection
    limits = PhotoLimits(config.max_photo_bytes, config.max_photo_pixels)
    if file_size is not None and file_size > limits.max_bytes:
        raise problem(
            "image_refused", refusal=RefusalKind.TOO_LARGE, size=file_size, limit=limits.max_bytes
        )
    data = bytes(await fetch())
    try:
        facts = await asyncio.to_thread(inspect_image, data, limits)
    except ImageRefused as refused:
        raise problem(
            "image_refused", refusal=refused.kind, size=len(data), limit=limits.max_bytes
        ) from None
    return data, facts
