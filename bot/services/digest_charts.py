"""The weekly digests' pictures. A digest goes out as its chart with the digest as the caption
(one message; the numbers and the picture from one read), or as text alone when no font can
draw the chart — and then the city admins hear once why, naming the package to install.

Charts are drawn between the read and the write: a write transaction holds SQLite's write turn
(storage/write_gate.py), and nobody's button should wait for Pillow."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.charts.completion import CompletionChart, render
from bot.charts.fonts import ChartFontError, FontFile, find_cjk_font
from bot.context import AppContext
from bot.services import outbox
from bot.services.reporting import once
from bot.texts import texts_for
from storage import account_store
from storage.bot_models import OutboxMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Digest:
    """One recipient's weekly digest, before its chart is drawn."""

    recipient: str  # 执法证号, the ledger's
    chat_id: int
    text: str
    chart: CompletionChart


async def queue_weekly(ctx: AppContext, kind: str, key: str, digests: list[Digest]) -> int:
    """Draw the charts (each distinct one once: the city's serves every city admin), then queue
    each digest once per (kind, key) and, if a chart could not be drawn, the city admins'
    notice; the number of messages queued."""
    if not digests:
        return 0
    painter = _Painter(ctx)
    drawn: dict[CompletionChart, bytes | None] = {}
    for digest in digests:
        if digest.chart not in drawn:
            drawn[digest.chart] = await painter.png(digest.chart)
    queued = 0
    async with ctx.sessions() as session, session.begin():
        for digest in digests:
            message = digest_message(digest.chat_id, digest.text, drawn[digest.chart])
            queued += await once(session, kind, key, digest.recipient, message)
        queued += await painter.tell(session)
    return queued


def digest_message(chat_id: int, text: str, png: bytes | None) -> OutboxMessage:
    """The chart with the digest as its caption, or the digest alone."""
    return outbox.message(chat_id, text) if png is None else outbox.chart(chat_id, png, text)


class _Painter:
    """One run's charts. The font is looked for once per run (one installed meanwhile serves the
    next run); the first problem is kept for ``tell``."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.problem: ChartFontError | None = None
        self._font: FontFile | None = None

    async def png(self, chart: CompletionChart) -> bytes | None:
        """The chart drawn (in a thread: the loop goes on), or None when the font cannot."""
        try:
            if self._font is None:
                if self.problem is not None:
                    return None  # no font this run: not looked for again for each chart
                charts = self.ctx.config.charts
                given = FontFile(charts.font, charts.font_index) if charts.font else None
                self._font = await asyncio.to_thread(find_cjk_font, given)
            return await asyncio.to_thread(render, chart, self._font)
        except ChartFontError as error:
            log.warning("chart not drawn, the digest goes as text: %s", error)
            self.problem = self.problem or error
            return None

    async def tell(self, session: AsyncSession) -> int:
        """Tell each bound city admin, once per problem, why the digests came without charts."""
        problem = self.problem
        if problem is None:
            return 0
        where = hashlib.sha256(str(problem.path or "").encode()).hexdigest()[:16]
        key = f"{problem.problem.value}:{where}"  # the same problem told once, a new one again
        city_admins = await account_store.city_admins(session)
        queued = 0
        for cert, account in (await account_store.reachable_accounts(session, city_admins)).items():
            text = texts_for(account.language).chart_font_problem(
                problem.problem, str(problem.path or ""), problem.missing
            )
            message = outbox.message(account.chat_id, text)
            queued += await once(session, "chart_font", key, cert, message)
        return queued
