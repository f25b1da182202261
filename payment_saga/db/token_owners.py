"""Which account each processor token belongs to (`processor_tokens`). Repositories never
commit: the caller's transaction does."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from payment_saga.db.models import ProcessorTokenOwner
from payment_saga.db.session import SessionFactory, single_statement


async def claim(session: AsyncSession, processor: str, token: str, account_id: str) -> str:
    """Give the token to the account unless another holds it; the owner it has now. One
    statement: on a conflict the no-op update locks the row and answers its committed owner
    (a plain DO NOTHING would answer nothing, and a second read costs a round trip)."""
    statement = insert(ProcessorTokenOwner).values(
        processor=processor, token=token, account_id=account_id
    )
    owned = await session.scalar(
        statement.on_conflict_do_update(
            index_elements=[ProcessorTokenOwner.processor, ProcessorTokenOwner.token],
            set_={"account_id": ProcessorTokenOwner.account_id},
        ).returning(ProcessorTokenOwner.account_id)
    )
    return str(owned)


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
        async with single_statement(self._sessions) as session:
            return await claim(session, processor, token, account_id)

    async def owner(self, processor: str, token: str) -> str | None:
        async with self._sessions() as session:
            return await owner(session, processor, token)
