"""Engine and session factory, built by the API's lifespan and the worker's main()."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from settings import DatabaseSettings

SessionFactory = async_sessionmaker[AsyncSession]
# Housekeeping deletes this many rows per transaction, so a large backlog never holds long
# locks or one huge transaction.
PURGE_BATCH = 1000


async def purge_in_batches(purge_batch: Callable[[], Awaitable[int]]) -> None:
    """Run a batch delete (returning how many rows it deleted, at most PURGE_BATCH) until a
    batch comes back short: nothing is left."""
    while await purge_batch() == PURGE_BATCH:
        pass


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    return create_async_engine(
        settings.sqlalchemy_url(),
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        pool_pre_ping=True,
    )


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)
