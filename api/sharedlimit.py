"""Per-account rate limits counted in PostgreSQL, so they hold across every API process.

Each request adds one to its account's current minute window and burst window in one
statement. Requests over the limit count too, so a client that keeps hammering stays refused
until the window ends. When PostgreSQL does not answer, the process's own counters
(api/ratelimit.py) decide instead: payments go on, the limit is then per process again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import delete, text
from sqlalchemy.exc import SQLAlchemyError

from api.ratelimit import RateLimiter, Verdict
from payment_saga.db.models import RateLimitWindow
from payment_saga.db.session import SessionFactory, single_statement

log = logging.getLogger("payment_saga.api")
MINUTE = 60
COUNT = text(
    "INSERT INTO rate_limit_windows (account_id, window_seconds, window_start, count)"
    " SELECT :account, seconds, :now - :now % seconds, 1 FROM unnest(:windows) AS seconds"
    " ON CONFLICT (account_id, window_seconds, window_start)"
    " DO UPDATE SET count = rate_limit_windows.count + 1"
    " RETURNING window_seconds, count"
)
# Windows older than this are deleted by the API's housekeeping.
KEEP_SECONDS = 3600


@dataclass
class SharedRateLimiter:
    sessions: SessionFactory
    local: RateLimiter

    async def check(
        self, account_id: str, *, per_minute: int | None = None, burst_limit: int | None = None
    ) -> Verdict:
        limits = {
            MINUTE: per_minute or self.local.per_minute,
            max(int(self.local.burst_seconds), 1): burst_limit or self.local.burst,
        }
        now = int(time.time())
        try:
            async with single_statement(self.sessions) as session:
                rows = await session.execute(
                    COUNT, {"account": account_id, "now": now, "windows": list(limits)}
                )
                counts = {int(seconds): int(count) for seconds, count in rows.all()}
        except (SQLAlchemyError, OSError) as error:
            log.warning("shared rate limit unavailable, counting in this process: %s", error)
            return self.local.check(account_id, per_minute=per_minute, burst_limit=burst_limit)
        return verdict(limits, counts, now)

    async def purge(self) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                delete(RateLimitWindow).where(
                    RateLimitWindow.window_start < int(time.time()) - KEEP_SECONDS
                )
            )


def verdict(limits: dict[int, int], counts: dict[int, int], now: int) -> Verdict:
    """The answer for counts of the current windows (each including this request)."""
    full = [seconds for seconds, limit in limits.items() if counts.get(seconds, 0) > limit]
    remaining = min(limit - counts.get(seconds, 0) for seconds, limit in limits.items())

    def left(seconds: int) -> int:
        return seconds - now % seconds

    return Verdict(
        allowed=not full,
        limit=limits[MINUTE],
        remaining=max(remaining, 0),
        reset_seconds=left(MINUTE),
        retry_after=max((left(seconds) for seconds in full), default=0) or (1 if full else 0),
    )
