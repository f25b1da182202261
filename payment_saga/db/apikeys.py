"""Accounts and their API keys: keys are created and revoked by the CLI, checked by the API,
stored as a SHA-256 hash; each belongs to one account."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from payment_saga.db.models import Account, ApiKey

SCOPES = ("payments:read", "payments:write", "refunds:write")
KEY_PREFIX = "sk_"
# Keys and payments made before accounts existed belong to this one (migration 0004).
DEFAULT_ACCOUNT_ID = "acct_default"
# `last_used_at` is written at most this often per key (it is for people, not for auditing).
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key, its account, what it may do, and the account's rate limit."""

    key_id: str
    account_id: str
    scopes: frozenset[str]
    rate_limit_per_minute: int | None = None
    rate_limit_burst: int | None = None


def hash_key(secret: str) -> str:
    # Keys are 32 random bytes: a plain hash is enough, no key stretching needed.
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_account(session: AsyncSession, name: str) -> Account:
    account = Account(id="acct_" + secrets.token_hex(8), name=name)
    session.add(account)
    await session.flush()
    return account


async def list_accounts(session: AsyncSession) -> list[Account]:
    return list((await session.execute(select(Account).order_by(Account.created_at))).scalars())


async def set_rate_limit(
    session: AsyncSession, account_id: str, per_minute: int | None, burst: int | None
) -> bool:
    account = await session.get(Account, account_id)
    if account is None:
        return False
    account.rate_limit_per_minute, account.rate_limit_burst = per_minute, burst
    return True


async def create_key(
    session: AsyncSession,
    account_id: str,
    name: str,
    scopes: tuple[str, ...] = SCOPES,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Returns the row and the secret, which is shown once and never stored."""
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {sorted(unknown)}")
    if await session.get(Account, account_id) is None:
        raise ValueError(f"no account {account_id}")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        id="key_" + secrets.token_hex(8),
        account_id=account_id,
        name=name,
        key_hash=hash_key(secret),
        prefix=secret[:10],
        scopes=list(scopes),
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    return row, secret


async def find_active(session: AsyncSession, secret: str) -> Principal | None:
    """The key's principal when it is known, not revoked and not expired; notes its use."""
    found = (
        await session.execute(
            select(ApiKey, Account)
            .join(Account, Account.id == ApiKey.account_id)
            .where(ApiKey.key_hash == hash_key(secret))
        )
    ).one_or_none()
    if found is None:
        return None
    key, account = found
    now = datetime.now(UTC)
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
        key.last_used_at = now
    return Principal(
        key_id=key.id,
        account_id=key.account_id,
        scopes=frozenset(key.scopes),
        rate_limit_per_minute=account.rate_limit_per_minute,
        rate_limit_burst=account.rate_limit_burst,
    )


async def revoke(session: AsyncSession, key_id: str) -> bool:
    row = await session.get(ApiKey, key_id)
    if row is None:
        return False
    row.revoked_at = row.revoked_at or datetime.now(UTC)
    return True


async def list_keys(session: AsyncSession, account_id: str | None = None) -> list[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.created_at)
    if account_id is not None:
        query = query.where(ApiKey.account_id == account_id)
    return list((await session.execute(query)).scalars())
