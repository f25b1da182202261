"""Which account each processor token belongs to (`processor_tokens`). Repositories never
commit: the caller's transaction does."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from payment_saga.db.models import ProcessorTokenOwner
from payment_saga.db.session import SessionFactory


async def claim(session: AsyncSession, processor: str, token: str, account_id: str) -> str:
    """Give the token to the account unless another holds it; the owner it has now."""
    await session.execute(
        insert(ProcessorTokenOwner)
        .values(processor=processor, token=token, account_id=account_id)
        .on_conflict_do_nothing()
    )
    return await owner(session, processor, token) or account_id


async def owner(session: AsyncSession, processor: str, token: str) -> str | None:
    found: str | None = await session.scalar(
        select(ProcessorTokenOwner.account_id).where(
            ProcessorTokenOwner.processor == processor, ProcessorTokenOwner.token == token
        )
    )
    return found


class TokenOwners:
    """The owners' book as the edge uses it: one short transaction per question."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def claim(self, processor: str, token: str, account_id: str) -> str:
        async with self._sessions.begin() as session:
            return await claim(session, processor, token, account_id)

    async def owner(self, processor: str, token: str) -> str | None:
        async with self._sessions() as session:
            return await owner(session, processor, token)
