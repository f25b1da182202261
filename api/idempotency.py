"""Idempotency-Key handling: one winner per (API key, Idempotency-Key), replays for the rest.

A request claims the key (a row with `locked_until`), does its work, and stores its answer. The
same key and body later gets the stored answer; a different body gets 422; a second request
while the first still holds the key gets 409. A holder that died frees the key after
`locked_until`, so a client retry can finish the job (payment ids are derived from the key,
so the retry reaches the same workflow).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from db.models import IdempotencyRecord
from db.session import SessionFactory
from domain.errors import IdempotencyKeyInUse, IdempotencyKeyReused


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]


def request_fingerprint(method: str, path: str, body: Any) -> str:
    canonical = orjson.dumps([method, path, body], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def derived_id(prefix: str, key_id: str, idempotency_key: str) -> str:
    """The same (API key, Idempotency-Key) always names the same payment or refund."""
    digest = hashlib.sha256(f"{key_id}\x00{idempotency_key}".encode()).hexdigest()
    return f"{prefix}_{digest[:24]}"


class IdempotencyStore:
    def __init__(self, sessions: SessionFactory, ttl: timedelta, lock: timedelta) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._lock = lock

    async def claim(self, key_id: str, key: str, fingerprint: str) -> StoredResponse | None:
        """None: the caller now holds the key. A StoredResponse: replay it. Raises on conflict."""
        now = datetime.now(UTC)
        async with self._sessions.begin() as session:
            inserted = await session.execute(
                insert(IdempotencyRecord)
                .values(
                    api_key_id=key_id,
                    key=key,
                    request_hash=fingerprint,
                    locked_until=now + self._lock,
                    expires_at=now + self._ttl,
                )
                .on_conflict_do_nothing()
                .returning(IdempotencyRecord.key)
            )
            if inserted.first() is not None:
                return None
            record = (
                await session.execute(
                    select(IdempotencyRecord)
                    .where(IdempotencyRecord.api_key_id == key_id, IdempotencyRecord.key == key)
                    .with_for_update()
                )
            ).scalar_one()
            if record.expires_at <= now:  # an old record: the key is free again
                record.request_hash, record.response_status, record.response_body = (
                    fingerprint, None, None,
                )  # fmt: skip
                record.locked_until, record.expires_at = now + self._lock, now + self._ttl
                return None
            if record.request_hash != fingerprint:
                raise IdempotencyKeyReused(
                    "this Idempotency-Key was used with a different request",
                    param="Idempotency-Key",
                )
            if record.response_status is not None and record.response_body is not None:
                return StoredResponse(record.response_status, record.response_body)
            if record.locked_until > now:
                raise IdempotencyKeyInUse(
                    "a request with this Idempotency-Key is in progress; retry later",
                    param="Idempotency-Key",
                )
            record.locked_until = now + self._lock  # its holder died: take over
            return None

    async def complete(self, key_id: str, key: str, response: StoredResponse) -> None:
        async with self._sessions.begin() as session:
            record = await session.get(IdempotencyRecord, (key_id, key))
            if record is not None:
                record.response_status = response.status
                record.response_body = response.body

    async def release(self, key_id: str, key: str) -> None:
        """Forget an attempt that failed on our side, so the client's retry runs it again."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.api_key_id == key_id,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.response_status.is_(None),
                )
            )
