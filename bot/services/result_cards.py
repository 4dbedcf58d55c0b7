"""The result card (检查结果): what was recorded on site, shown to those who may see it.

Pushed to the team in force when a result version is submitted, and to its reviewer when it
goes to review (bot/services/review.py, with their buttons), through the outbox in the same
transaction; shown again by
/task_<id> to the team, the city admins and the county admins of the target's county. The
card is a text and the photos' thumbnails: albums of up to ten (Telegram's media group takes
2–10), a lone photo on its own. The thumbnails are read from the evidence directory when sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.services import outbox
from bot.services.identity import Person
from bot.texts import Texts, texts_for
from spotcheck.inspection import EvidenceSource
from spotcheck.roles import may_see_result
from storage import account_store, assignment_store, result_store
from storage.bot_models import OutboxMessage
from storage.evidence_store import thumbnail_path
from storage.result_store import ResultView


@dataclass(frozen=True)
class ResultCard:
    text: str
    thumbnails: tuple[Path, ...]  # in the order the photos arrived

    def batches(self) -> list[list[Path]]:
        """The thumbnails as Telegram takes them: albums of up to ten; a last lone one alone."""
        size = outbox.MEDIA_GROUP_MAX
        return [list(self.thumbnails[i : i + size]) for i in range(0, len(self.thumbnails), size)]

    def outbox_rows(self, chat_id: int) -> list[OutboxMessage]:
        """The card as outbox rows for one chat: the text, then each album (or lone photo)."""
        rows = [outbox.message(chat_id, self.text)]
        for batch in self.batches():
            paths = [str(p) for p in batch]
            rows.append(
                outbox.photo(chat_id, paths[0])
                if len(paths) == 1
                else outbox.media_group(chat_id, paths)
            )
        return rows


async def card_of_view(
    session: AsyncSession, ctx: AppContext, texts: Texts, view: ResultView
) -> ResultCard:
    target = await assignment_store.target(session, view.credit_code)
    names = await assignment_store.item_names(session, {i.item_code for i in view.items})
    submitter = (await account_store.names_of(session, {view.submitted_by})).get(
        view.submitted_by, view.submitted_by
    )
    lines = [
        texts.card_head(
            target.name,
            view.credit_code,
            view.assignment_id,
            view.quarter,
            texts.result_state(view.state),
            view.version,
        ),
        texts.card_category(texts.category_name(view.category)),
    ]
    if view.amendment_reason:  # issue 10: amendments
        lines.insert(1, texts.card_amendment(view.version, view.amendment_reason))
    if view.checkin is not None:
        c = view.checkin
        lines.append(
            texts.card_checkin(
                c.distance_m,
                c.latitude is not None,
                c.flagged,
                c.reason,
                ctx.config.inspection.checkin_radius_m,
            )
        )
        local = c.checked_in_at.astimezone(ctx.config.timezone)
        lines.append(texts.card_checked_in_at(f"{local:%Y-%m-%d %H:%M}"))
    if view.items:
        lines.append(texts.card_items_head())
        lines += [
            texts.card_item(
                names.get(i.item_code, i.item_code), texts.item_answer_name(i.answer), i.note
            )
            for i in view.items
        ]
    if view.findings:
        lines.append(texts.card_findings(view.findings))
    lines.append(texts.card_photos(len(view.evidence)))
    lines += [
        texts.card_photo(
            n,
            f"{e.exif_time:%Y-%m-%d %H:%M:%S}" if e.exif_time else None,
            e.exif_gps,
            e.source is EvidenceSource.DOCUMENT,
            e.note,
        )
        for n, e in enumerate(view.evidence, start=1)
    ]
    if view.follow_ups:
        lines.append(texts.card_follow_ups_head())
        lines += [
            texts.card_follow_up(
                texts.follow_up_name(f.kind),
                f.deadline.isoformat() if f.deadline else None,
                f.agency,
            )
            for f in view.follow_ups
        ]
    local = view.submitted_at.astimezone(ctx.config.timezone)
    lines.append(texts.card_submitted(submitter, view.submitted_by, f"{local:%Y-%m-%d %H:%M}"))
    evidence_dir = ctx.config.storage.evidence_dir
    thumbnails = tuple(thumbnail_path(evidence_dir, e.sha256) for e in view.evidence)
    return ResultCard("\n".join(lines), thumbnails)


async def enqueue_result_cards(session: AsyncSession, ctx: AppContext, assignment_id: int) -> int:
    """Queue the result card to every inspector on the team in force (its lead, and the
    submitter as his confirmation) with a reachable account, in the caller's transaction; the
    number of people it goes to. Nothing when the assignment has no result."""
    view = await result_store.result_of(session, assignment_id)
    if view is None:
        return 0
    team = await assignment_store.team_inspectors(session, assignment_id)
    accounts = await account_store.reachable_accounts(session, {m.person_key for m in team})
    cards: dict[str, ResultCard] = {}
    for member in team:
        account = accounts.get(member.person_key)
        if account is None:
            continue
        language = account.language
        if language not in cards:
            cards[language] = await card_of_view(session, ctx, texts_for(language), view)
        session.add_all(cards[language].outbox_rows(account.chat_id))
    return sum(1 for m in team if m.person_key in accounts)


async def card_for(ctx: AppContext, person: Person, assignment_id: int) -> ResultCard | None:
    """/task_<id> of an assignment with a result: its card, when the caller may see it (the
    team in force, the city admins, the county admins of the target's county). None when there
    is no result or he may not: the caller then answers as for any other task."""
    async with ctx.sessions() as session:
        view = await result_store.result_of(session, assignment_id)
        if view is None:
            return None
        on_team = await assignment_store.membership(session, assignment_id, person.cert_no)
        if not may_see_result(person.role, person.region, on_team is not None, view.region_code):
            return None
        return await card_of_view(session, ctx, texts_for(person.language), view)
