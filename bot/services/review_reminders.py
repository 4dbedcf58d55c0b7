"""Results left waiting for review: once a version has waited ``[review] remind_after_workdays``
working days in 待审核 (the official calendar), its reviewers are reminded; after twice as many
the county admins of the target's county are told (the city admins, when the county admins
are the reviewers themselves). With the morning run and the start-up catch-up, each once
through the reminder ledger, so a restart sends nothing twice. A version that moved on, or
that is no longer its assignment's latest, is left alone.
"""

from __future__ import annotations

from datetime import datetime

from bot.context import AppContext
from bot.services import outbox, review
from bot.services.reporting import once
from bot.texts import texts_for
from spotcheck.review import Overdue, ReviewerKind, review_overdue
from storage import account_store, result_store, review_store

LEDGER_KIND = "review"


async def send_reminders(ctx: AppContext, now: datetime) -> int:
    """Queue the reminders and escalations due at ``now``; how many were queued."""
    today = now.astimezone(ctx.config.timezone).date()
    calendar = ctx.config.calendar.workdays()
    after = ctx.config.review.remind_after_workdays
    queued = 0
    async with ctx.sessions() as session, session.begin():
        for waiting in await review_store.waiting_for_review(session):
            since = waiting.since.astimezone(ctx.config.timezone).date()
            waited = calendar.workdays_between(since, today).value
            stage = review_overdue(waited, after)
            if stage is Overdue.NO:
                continue
            version = await review_store.version_of(session, waiting.result_id)
            view = None
            if version is not None:
                view = await result_store.result_of(session, version.assignment_id)
            if version is None or view is None or view.id != version.result_id:
                continue
            reviewers = await review.reviewers_of(session, version, view.region_code)
            names = await account_store.names_of(session, set(reviewers.cert_nos))
            recipients = {cert: Overdue.REMIND for cert in reviewers.cert_nos}
            if stage is Overdue.ESCALATE:
                if reviewers.kind is ReviewerKind.LEAD:
                    above = await account_store.county_admins(session, view.region_code)
                else:
                    above = sorted(await account_store.city_admins(session))
                recipients |= {cert: Overdue.ESCALATE for cert in above}
            accounts = await account_store.reachable_accounts(session, set(recipients))
            county = texts_for("zh").region_name(ctx.config.regions, view.region_code)
            for cert, kind in recipients.items():
                account = accounts.get(cert)
                if account is None:
                    continue
                texts = texts_for(account.language)
                if kind is Overdue.REMIND:
                    text = texts.review_reminder(view.target_name, view.version, waited)
                else:
                    who = "、".join(names.get(c, c) for c in reviewers.cert_nos)
                    text = texts.review_escalation(county, view.target_name, who, waited)
                key = f"{waiting.result_id}:{kind.value}"
                message = outbox.message(account.chat_id, text)
                queued += await once(session, LEDGER_KIND, key, cert, message)
    return queued
