"""Accounts as the bot sees them: invitations, bound Telegram accounts, strangers, and the
people behind them (whom to tell, by what name, who administers a county)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from spotcheck.chat_forms import TAKES_TEXT
from spotcheck.roles import Role
from spotcheck.states import FormKind
from storage.bot_models import Invite, Stranger, TelegramAccount
from storage.draft_models import FormDraft
from storage.models import AuditLog, Inspector


async def inspector(session: AsyncSession, cert_no: str) -> Inspector | None:
    return (
        await session.scalars(select(Inspector).where(Inspector.cert_no == cert_no))
    ).one_or_none()


async def names_of(session: AsyncSession, certs: set[str]) -> dict[str, str]:
    rows = await session.execute(
        select(Inspector.cert_no, Inspector.name).where(Inspector.cert_no.in_(certs))
    )
    return {cert: name for cert, name in rows}


async def admins_of(session: AsyncSession, region: str) -> set[str]:
    """City admins, and the county admins of this county."""
    rows = await session.execute(
        select(Inspector.cert_no, Inspector.role, Inspector.region_code).where(
            Inspector.active, Inspector.role.in_([Role.ADMIN.value, Role.COUNTY_ADMIN.value])
        )
    )
    return {cert for cert, role, where in rows if role == Role.ADMIN.value or where == region}


async def county_admins(session: AsyncSession, region: str) -> list[str]:
    """The active county admins of this county, by 执法证号."""
    return list(
        await session.scalars(
            select(Inspector.cert_no)
            .where(
                Inspector.active,
                Inspector.role == Role.COUNTY_ADMIN.value,
                Inspector.region_code == region,
            )
            .order_by(Inspector.cert_no)
        )
    )


async def city_admins(session: AsyncSession) -> set[str]:
    return set(
        await session.scalars(
            select(Inspector.cert_no).where(Inspector.active, Inspector.role == Role.ADMIN.value)
        )
    )


async def reachable_accounts(session: AsyncSession, certs: set[str]) -> dict[str, TelegramAccount]:
    """The reachable bound accounts of these people, by 执法证号."""
    rows = await session.scalars(select(TelegramAccount).where(TelegramAccount.cert_no.in_(certs)))
    return {a.cert_no: a for a in rows if a.reachable}


async def bound_people(
    session: AsyncSession, role: Role | None = None
) -> list[tuple[str, str, str, TelegramAccount]]:
    """(cert no, name, county, account) of bound, reachable people, optionally of one role."""
    query = (
        select(Inspector.cert_no, Inspector.name, Inspector.region_code, TelegramAccount)
        .join(TelegramAccount, TelegramAccount.cert_no == Inspector.cert_no)
        .where(Inspector.active, TelegramAccount.reachable)
    )
    if role is not None:
        query = query.where(Inspector.role == role.value)
    return [(c, n, r, a) for c, n, r, a in await session.execute(query)]


async def account_by_chat(session: AsyncSession, chat_id: int) -> TelegramAccount | None:
    return (
        await session.scalars(select(TelegramAccount).where(TelegramAccount.chat_id == chat_id))
    ).one_or_none()


async def account_by_user(session: AsyncSession, user_id: int) -> TelegramAccount | None:
    return (
        await session.scalars(select(TelegramAccount).where(TelegramAccount.user_id == user_id))
    ).one_or_none()


async def account_of(session: AsyncSession, cert_no: str) -> TelegramAccount | None:
    return (
        await session.scalars(select(TelegramAccount).where(TelegramAccount.cert_no == cert_no))
    ).one_or_none()


async def name_behind_chat(session: AsyncSession, chat_id: int) -> tuple[str, str] | None:
    """(name, cert no) of the inspector bound to this chat."""
    row = (
        await session.execute(
            select(Inspector.name, Inspector.cert_no)
            .join(TelegramAccount, TelegramAccount.cert_no == Inspector.cert_no)
            .where(TelegramAccount.chat_id == chat_id)
        )
    ).first()
    return None if row is None else (str(row[0]), str(row[1]))


async def mark_reachable(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(TelegramAccount).where(TelegramAccount.user_id == user_id).values(reachable=True)
    )


async def invite_by_hash(session: AsyncSession, code_sha256: str) -> Invite | None:
    return (
        await session.scalars(select(Invite).where(Invite.code_sha256 == code_sha256))
    ).one_or_none()


def add_invite(
    session: AsyncSession,
    code_sha256: str,
    cert_no: str,
    created_by: str,
    created_at: datetime,
    expires_at: datetime,
) -> None:
    session.add(
        Invite(
            code_sha256=code_sha256,
            cert_no=cert_no,
            created_by=created_by,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


async def bind(
    session: AsyncSession, user_id: int, chat_id: int, cert_no: str, language: str, at: datetime
) -> tuple[TelegramAccount | None, TelegramAccount]:
    """Bind this Telegram account to the inspector, deleting his older binding first (the
    caller flushes): (the older binding or None, the new one)."""
    old = await account_of(session, cert_no)
    if old is not None:
        await session.delete(old)
        await session.flush()
    account = TelegramAccount(
        user_id=user_id, chat_id=chat_id, cert_no=cert_no, language=language, bound_at=at
    )
    session.add(account)
    return old, account


async def add_stranger(session: AsyncSession, user_id: int) -> bool:
    """Remember a stranger; False when he wrote before (or another process just noted him)."""
    if await session.get(Stranger, user_id) is not None:
        return False
    session.add(Stranger(user_id=user_id))
    try:
        await session.flush()
    except IntegrityError:
        return False
    return True


async def start_tries_since(
    session: AsyncSession, user_id: int, action: str, since: datetime
) -> int:
    """How many /start tries of this account the audit log holds with ``action`` since then."""
    count = await session.scalar(
        select(func.count(AuditLog.id)).where(
            AuditLog.entity == "start_codes",
            AuditLog.entity_key == str(user_id),
            AuditLog.action == action,
            AuditLog.at >= since,
        )
    )
    return int(count or 0)


async def last_start_try(session: AsyncSession, user_id: int) -> str | None:
    """The audit action of the account's latest logged /start try."""
    return await session.scalar(
        select(AuditLog.action)
        .where(AuditLog.entity == "start_codes", AuditLog.entity_key == str(user_id))
        .order_by(AuditLog.id.desc())
        .limit(1)
    )


# The form a plain text answers: his most recently asked draft whose open question takes text
# (a recusal's reason, a typed seed, an inspection's note …), whatever other drafts he holds.
_TEXT_DRAFT = (
    select(FormDraft.kind)
    .where(
        FormDraft.user_id == TelegramAccount.user_id,
        or_(
            *(
                and_(
                    FormDraft.kind == kind,
                    or_(
                        *(
                            FormDraft.question.startswith(key, autoescape=True)
                            if key.endswith(".")  # the instances of a repeated question
                            else FormDraft.question == key
                            for key in keys
                        )
                    ),
                )
                for kind, keys in TAKES_TEXT.items()  # no expanding IN in a point read
            )
        ),
    )
    .order_by(FormDraft.updated_at.desc(), FormDraft.id.desc())
    .limit(1)
    .correlate(TelegramAccount)
    .scalar_subquery()
)
_RECUSING = exists().where(
    FormDraft.user_id == TelegramAccount.user_id, FormDraft.kind == FormKind.RECUSAL.value
)

# Built once: this runs for every update, and building a statement costs more than running it.
WHO = (
    select(
        TelegramAccount.user_id,
        TelegramAccount.chat_id,
        TelegramAccount.language,
        TelegramAccount.reachable,
        Inspector.cert_no,
        Inspector.name,
        Inspector.role,
        Inspector.region_code,
        Inspector.status,
        _TEXT_DRAFT,
        _RECUSING,
    )
    .join(Inspector, Inspector.cert_no == TelegramAccount.cert_no)
    .where(TelegramAccount.user_id == bindparam("user_id"), Inspector.active)
)
"""The active inspector behind a Telegram user (bind ``user_id``), the form a text answers, and
whether a 申请回避 waits for its reason."""


async def mark_unreachable(session: AsyncSession, chat_id: int) -> bool:
    """Telegram answered 403 for this chat: its account is unreachable. True only for the call
    that changed it (so the admins are told once)."""
    marked = await session.scalar(
        update(TelegramAccount)
        .where(TelegramAccount.chat_id == chat_id, TelegramAccount.reachable.is_(True))
        .values(reachable=False)
        .returning(TelegramAccount.id)
    )
    return marked is not None


async def bound_admins(session: AsyncSession) -> list[tuple[Inspector, TelegramAccount]]:
    """Bound, reachable admins (city and county) with their accounts."""
    rows = await session.execute(
        select(Inspector, TelegramAccount)
        .join(TelegramAccount, TelegramAccount.cert_no == Inspector.cert_no)
        .where(Inspector.active, Inspector.role.in_([Role.ADMIN.value, Role.COUNTY_ADMIN.value]))
        .where(TelegramAccount.reachable)
    )
    return [(i, a) for i, a in rows]
