"""API keys: created and revoked by the CLI, checked by the API, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiKey

SCOPES = ("payments:read", "payments:write", "refunds:write")
KEY_PREFIX = "sk_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id and what it may do."""

    key_id: str
    scopes: frozenset[str]


def hash_key(secret: str) -> str:
    # Keys are 32 random bytes: a plain hash is enough, no key stretching needed.
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_key(
    session: AsyncSession, name: str, scopes: tuple[str, ...] = SCOPES
) -> tuple[ApiKey, str]:
    """Returns the row and the secret, which is shown once and never stored."""
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {sorted(unknown)}")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        id="key_" + secrets.token_hex(8),
        name=name,
        key_hash=hash_key(secret),
        prefix=secret[:10],
        scopes=list(scopes),
    )
    session.add(row)
    await session.flush()
    return row, secret


async def find_active(session: AsyncSession, secret: str) -> Principal | None:
    row = (
        await session.execute(select(ApiKey).where(ApiKey.key_hash == hash_key(secret)))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    return Principal(key_id=row.id, scopes=frozenset(row.scopes))


async def revoke(session: AsyncSession, key_id: str) -> bool:
    row = await session.get(ApiKey, key_id)
    if row is None:
        return False
    row.revoked_at = row.revoked_at or datetime.now(UTC)
    return True


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return list((await session.execute(select(ApiKey).order_by(ApiKey.created_at))).scalars())
