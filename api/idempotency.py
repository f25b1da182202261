"""Idempotency-Key handling: one winner per (API key, Idempotency-Key), replays for the rest.

A request claims the key (a row with `locked_until`), does its work, and stores its answer. The
same key and body later gets the stored answer; a different body gets 422; a second request
while the first still holds the key gets 409. A holder that died frees the key after
`locked_until`, so a client retry can finish the job: ids are derived from the key and its
generation, so the retry reaches the same workflow.

A key used again after it expired is a new request (Stripe's semantics): the claim starts a new
generation, a random token that goes into every id derived from it, so the new request names a
new payment or refund and never answers with the object the key named before. Expired rows are
purged by a periodic job; a key reused after its row was purged gets a new generation too.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from payment_saga.db.models import IdempotencyRecord
from payment_saga.db.session import PURGE_BATCH, SessionFactory, purge_in_batches, single_statement
from payment_saga.domain.errors import IdempotencyKeyInUse, IdempotencyKeyReused


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a key: a stored answer to replay, or the key's generation."""

    replay: StoredResponse | None
    generation: str


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """A hash of the request as the caller sent it. `body` must hold no card number or CVC
    (routes pass the card's keyed fingerprint instead): see api/routes/payments.py."""
    canonical = orjson.dumps([method, path, body], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def derived_id(prefix: str, *parts: str) -> str:
    """The same parts always name the same payment or refund; empty parts are left out (keys
    claimed before generations existed keep the ids they had)."""
    digest = hashlib.sha256("\x00".join(p for p in parts if p).encode()).hexdigest()
    return f"{prefix}_{digest[:24]}"


def new_generation() -> str:
    return secrets.token_hex(8)


class IdempotencyStore:
    def __init__(self, sessions: SessionFactory, ttl: timedelta, lock: timedelta) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._lock = lock

    async def claim(
        self, account_id: str, key: str, fingerprint: str, also: list[str] | None = None
    ) -> Claim:
        """Hold the key (a Claim without replay) or replay its answer. Raises on conflict.
        `also`: the same request's hashes as they were before a key rotation."""
        now, generation = datetime.now(UTC), new_generation()
        # A new key, the usual case, is one statement on its own.
        async with single_statement(self._sessions) as session:
            inserted = await session.execute(
                insert(IdempotencyRecord)
                .values(
                    account_id=account_id,
                    key=key,
                    generation=generation,
                    request_hash=fingerprint,
                    locked_until=now + self._lock,
                    expires_at=now + self._ttl,
                )
                .on_conflict_do_nothing()
                .returning(IdempotencyRecord.key)
            )
            if inserted.first() is not None:
                return Claim(None, generation)
        same = {fingerprint, *(also or [])}
        return await self._claim_existing(account_id, key, fingerprint, same, now, generation)

    async def _claim_existing(
        self,
        account_id: str,
        key: str,
        fingerprint: str,
        same: set[str],
        now: datetime,
        generation: str,
    ) -> Claim:
        """The key has a row: replay it, refuse, or take it over, with the row locked."""
        async with self._sessions.begin() as session:
            record = (
                await session.execute(
                    select(IdempotencyRecord)
                    .where(IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key)
                    .with_for_update()
                )
            ).scalar_one_or_none()
            if record is None:  # purged since the insert found it: the client's retry claims it
                raise IdempotencyKeyInUse(
                    "a request with this Idempotency-Key is in progress; retry later",
                    param="Idempotency-Key",
                )
            if record.expires_at <= now:  # expired: a new request, with ids of its own
                record.generation, record.request_hash = generation, fingerprint
                record.response_status, record.response_body = None, None
                record.locked_until, record.expires_at = now + self._lock, now + self._ttl
                return Claim(None, generation)
            if record.request_hash not in same:
                raise IdempotencyKeyReused(
                    "this Idempotency-Key was used with a different request",
                    param="Idempotency-Key",
                )
            if record.response_status is not None and record.response_body is not None:
                replay = StoredResponse(record.response_status, record.response_body)
                return Claim(replay, record.generation)
            if record.locked_until > now:
                raise IdempotencyKeyInUse(
                    "a request with this Idempotency-Key is in progress; retry later",
                    param="Idempotency-Key",
                )
            record.locked_until = now + self._lock  # its holder died: take over
            return Claim(None, record.generation)

    async def complete(self, account_id: str, key: str, response: StoredResponse) -> None:
        async with single_statement(self._sessions) as session:
            await session.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key)
                .values(response_status=response.status, response_body=response.body)
            )

    async def release(self, account_id: str, key: str) -> None:
        """Free the key after a failure on our side, so the client's retry runs the work again.

        The row stays, generation and all: the work may have started a workflow before it
        failed, and the retry must reach that same workflow, not start a second payment.
        """
        async with self._sessions.begin() as session:
            await session.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.account_id == account_id,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.response_status.is_(None),
                )
                .values(locked_until=datetime.now(UTC))
            )

    async def purge_expired(self) -> int:
        """Delete up to PURGE_BATCH expired rows; the number deleted."""
        expired = (
            select(IdempotencyRecord.account_id, IdempotencyRecord.key)
            .where(IdempotencyRecord.expires_at <= datetime.now(UTC))
            .limit(PURGE_BATCH)
        )
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(IdempotencyRecord)
                .where(tuple_(IdempotencyRecord.account_id, IdempotencyRecord.key).in_(expired))
                .returning(IdempotencyRecord.key)
            )
            return len(result.all())

    async def purge_all_expired(self) -> None:
        await purge_in_batches(self.purge_expired)
