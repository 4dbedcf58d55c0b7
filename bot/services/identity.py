"""Who is writing: invitations, binding a Telegram account to an inspector, roles, strangers."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot.context import AppContext
from bot.services.problems import ServiceProblem
from spotcheck.roles import DutyStatus, Role, may_invite
from storage import account_store
from storage.audit import audit, chat_actor
from storage.bot_models import TelegramAccount
from storage.models import Inspector, as_utc, utcnow

# Unambiguous to read aloud or copy from a phone: no 0/O, 1/I/L.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


class IdentityProblem(ServiceProblem):
    """An invitation or binding refused."""


@dataclass(frozen=True)
class Person:
    """A bound user as the bot sees them."""

    user_id: int
    chat_id: int
    cert_no: str
    name: str
    role: Role
    region: str
    language: str
    reachable: bool = True  # False after Telegram answered 403 for this chat
    # The form kind his next plain text answers: of his drafts, the most recently answered one
    # whose open question takes text (a recusal's reason, a typed seed …); None: no form.
    waiting: str | None = None
    recusing: bool = False  # a 申请回避 waits for its reason (a command drops it)

    @property
    def actor(self) -> str:
        """Who did it, as the audit log and records name a bot user."""
        return chat_actor(self.user_id, self.cert_no)

    @property
    def is_admin(self) -> bool:
        return self.role in (Role.ADMIN, Role.COUNTY_ADMIN)


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def create_invite(
    ctx: AppContext, cert_no: str, actor: str, now: datetime | None = None
) -> tuple[str, datetime]:
    """A one-time code for the inspector with this 执法证号, valid for the configured hours."""
    moment = now or utcnow()
    async with ctx.sessions() as session, session.begin():
        inspector = await account_store.inspector(session, cert_no)
        if inspector is None or not inspector.active:
            raise IdentityProblem("unknown_inspector", cert_no=cert_no)
        code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
        expires = moment + timedelta(hours=ctx.config.invite_ttl_hours)
        account_store.add_invite(session, _hash(code), cert_no, actor, moment, expires)
        session.add(
            audit(actor, "invite", "inspectors", cert_no, new={"expires_at": expires.isoformat()})
        )
    return code, expires


async def invite_by(ctx: AppContext, person: Person, cert_no: str) -> tuple[str, str, datetime]:
    """/invite in chat: (invitee's name, code, expiry), within the inviter's rights."""
    async with ctx.sessions() as session:
        invitee = await account_store.inspector(session, cert_no)
    if invitee is None or not invitee.active:
        raise IdentityProblem("unknown_inspector", cert_no=cert_no)
    if not may_invite(person.role, person.region, Role(invitee.role), invitee.region_code):
        raise IdentityProblem("not_allowed")
    code, expires = await create_invite(ctx, cert_no, person.actor)
    return invitee.name, code, expires


CODE_REFUSED, CODE_IGNORED = "code_refused", "code_ignored"  # audit actions of /start tries


async def inspector_name(ctx: AppContext, cert_no: str) -> str:
    """The name on a 执法证号: `invite` says whom the code is for."""
    async with ctx.sessions() as session:
        inspector = await account_store.inspector(session, cert_no)
    return inspector.name if inspector is not None else cert_no


async def redeem(
    ctx: AppContext,
    code: str,
    user_id: int,
    chat_id: int,
    language: str | None,
    now: datetime | None = None,
) -> Person:
    """`/start CODE`: bind this account to the invited inspector, replacing an older binding
    of that inspector (rebinding needs a new code, so the old phone is cut off).

    Every refused try is in the audit log. After [limits] wrong_codes of them within
    wrong_code_window_minutes a code is not even looked at ("silenced", not counted):
    guessing is held to that many tries per window. Only the first silenced try is logged:
    an account sending /start over and over must not grow the append-only audit log, nor
    take the write gate, once per try. The try that reaches the limit is refused with
    last_try=True."""
    moment = now or utcnow()
    limits = ctx.config.limits
    since = moment - timedelta(minutes=limits.wrong_code_window_minutes)
    if await _refused_since(ctx, user_id, since) >= limits.wrong_codes:
        if await _last_try(ctx, user_id) != CODE_IGNORED:
            await _log_try(ctx, user_id, CODE_IGNORED, "silenced", moment)
        raise IdentityProblem("silenced")
    try:
        return await _bind(ctx, code, user_id, chat_id, language, moment)
    except IdentityProblem as problem:
        await _log_try(ctx, user_id, CODE_REFUSED, problem.kind, moment)
        if await _refused_since(ctx, user_id, since) >= limits.wrong_codes:
            raise IdentityProblem(problem.kind, last_try=True) from None
        raise


async def _refused_since(ctx: AppContext, user_id: int, since: datetime) -> int:
    async with ctx.sessions() as session:
        return await account_store.start_tries_since(session, user_id, CODE_REFUSED, since)


async def _last_try(ctx: AppContext, user_id: int) -> str | None:
    """The action of the account's latest logged /start try. No try is refused (and logged)
    while silenced, so `code_ignored` here means this silence is logged already."""
    async with ctx.sessions() as session:
        return await account_store.last_start_try(session, user_id)


async def _log_try(
    ctx: AppContext, user_id: int, action: str, result: str, moment: datetime
) -> None:
    """The code itself is not kept: a near miss of a real one would help the next guess."""
    async with ctx.sessions() as session, session.begin():
        session.add(
            audit(
                chat_actor(user_id),
                action,
                "start_codes",
                str(user_id),
                new={"result": result},
                at=moment,
            )
        )


async def _bind(
    ctx: AppContext,
    code: str,
    user_id: int,
    chat_id: int,
    language: str | None,
    moment: datetime,
) -> Person:
    async with ctx.sessions() as session, session.begin():
        invite = await account_store.invite_by_hash(session, _hash(code))
        if invite is None:
            raise IdentityProblem("wrong_code")
        if invite.used_at is not None:
            raise IdentityProblem("used_code")
        if as_utc(invite.expires_at) < moment:
            raise IdentityProblem("expired_code")
        inspector = await account_store.inspector(session, invite.cert_no)
        if (
            inspector is None
            or not inspector.active
            or inspector.status == DutyStatus.TRANSFERRED.value
        ):
            raise IdentityProblem("unknown_inspector", cert_no=invite.cert_no)
        taken = await account_store.account_by_user(session, user_id)
        if taken is not None and taken.cert_no != invite.cert_no:
            raise IdentityProblem("account_taken")
        invite.used_at, invite.used_by = moment, user_id
        old, account = await account_store.bind(
            session, user_id, chat_id, invite.cert_no, _language(language), moment
        )
        session.add(
            audit(
                chat_actor(user_id, invite.cert_no),
                "bind",
                "inspectors",
                invite.cert_no,
                old=None if old is None else {"user_id": old.user_id},
                new={"user_id": user_id},
            )
        )
        try:
            await session.flush()
        except IntegrityError:
            raise IdentityProblem("used_code") from None
        return _person(account, inspector)


def _language(code: str | None) -> str:
    return "en" if code and code.lower().startswith("en") else "zh"


def _person(account: TelegramAccount, inspector: Inspector) -> Person:
    return Person(
        account.user_id,
        account.chat_id,
        inspector.cert_no,
        inspector.name,
        Role(inspector.role),
        inspector.region_code,
        account.language,
    )


async def who(ctx: AppContext, user_id: int) -> Person | None:
    """The bound, active inspector behind a Telegram user, or None for a stranger. Read from
    the database on every update: a deactivated or transferred inspector loses access at once.
    The same read says which form waits for him, so no command or text needs another."""
    rows = await ctx.point_reads.all(account_store.WHO, {"user_id": user_id})
    if not rows:
        return None
    user, chat, language, reachable, cert_no, name, role, region, status, *forms = rows[0]
    if status == DutyStatus.TRANSFERRED.value:
        return None
    waiting, recusing = forms
    person = (user, chat, cert_no, name, Role(role), region, language, bool(reachable))
    return Person(*person, waiting=waiting, recusing=bool(recusing))


async def reachable_again(ctx: AppContext, user_id: int) -> None:
    """Someone marked unreachable (403) writes again: he unblocked the bot."""
    async with ctx.sessions() as session, session.begin():
        await account_store.mark_reachable(session, user_id)


async def first_contact(ctx: AppContext, user_id: int) -> bool:
    """Whether this stranger writes for the first time (and is owed one polite refusal)."""
    async with ctx.sessions() as session, session.begin():
        return await account_store.add_stranger(session, user_id)
