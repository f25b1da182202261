"""Engine and session factory, built by the API's lifespan and the worker's main()."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from payment_saga.config import DatabaseSettings

SessionFactory = async_sessionmaker[AsyncSession]
# Housekeeping deletes this many rows per transaction, so a large backlog never holds long
# locks or one huge transaction.
PURGE_BATCH = 1000


async def purge_in_batches(purge_batch: Callable[[], Awaitable[int]]) -> None:
    """Run a batch delete (returning how many rows it deleted, at most PURGE_BATCH) until a
    batch comes back short: nothing is left."""
    while await purge_batch() == PURGE_BATCH:
        pass


def create_engine(settings: DatabaseSettings, *, pre_ping: bool = True) -> AsyncEngine:
    """`pre_ping`: test each connection on checkout (a round trip) so a connection PostgreSQL
    dropped is replaced unseen. The API and the worker turn it off: there a dropped connection
    fails its next statement instead, SQLAlchemy then discards every pooled connection made
    before, and the retry that follows (an activity's, a client's after a 503) gets fresh ones.
    Tools and tests keep it."""
    return create_async_engine(
        settings.sqlalchemy_url(),
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        pool_pre_ping=pre_ping,
    )


@asynccontextmanager
async def single_statement(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session whose statements each commit on their own (autocommit): a read, or a write
    that is one statement, costs one round trip instead of BEGIN, the statement and COMMIT
    (or ROLLBACK). Only for work that is one statement, or reads that need no snapshot."""
    async with sessions() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)
