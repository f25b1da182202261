"""Per-account rate limits counted in PostgreSQL, so they hold across every API process.

Each process counts its account's requests in its minute window and burst window, and adds
them to PostgreSQL's counts in one statement, which answers the counts of every process:
- at once, for every request, once the account has used half of a window's limit (near a
  limit every request is counted exactly, as before);
- otherwise at most every FLUSH_SECONDS, so an account far below its limits costs one
  statement per interval and process, not one per request (#31: the statement, and its row
  lock that every request of one account waited on, were on every request's path).
Between two flushes a process judges by the last counts it read plus its own; so the processes
together may admit up to half a limit each past it within one interval (docs/api.md).
Requests over the limit count too, so a client that keeps hammering stays refused until the
window ends. When PostgreSQL does not answer, the process's own counters (api/ratelimit.py)
decide instead: payments go on, the limit is then per process again.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import delete, text
from sqlalchemy.exc import SQLAlchemyError

from api.ratelimit import RateLimiter, Verdict
from payment_saga.db.models import RateLimitWindow
from payment_saga.db.session import SessionFactory, single_statement

log = logging.getLogger("payment_saga.api")
MINUTE = 60
# Adds each window's requests counted here since the last flush; answers the windows' counts.
COUNT = text(
    "INSERT INTO rate_limit_windows (account_id, window_seconds, window_start, count)"
    " SELECT :account, seconds, :now - :now % seconds, added"
    " FROM unnest(CAST(:windows AS integer[]), CAST(:added AS integer[])) AS w(seconds, added)"
    " ON CONFLICT (account_id, window_seconds, window_start)"
    " DO UPDATE SET count = rate_limit_windows.count + EXCLUDED.count"
    " RETURNING window_seconds, count"
)
# Far below its limits, an account's counts go to PostgreSQL at most this often per process.
FLUSH_SECONDS = 0.5
# Window (seconds, start) -> requests.
Windows = dict[tuple[int, int], int]
# Windows older than this are deleted by the API's housekeeping.
KEEP_SECONDS = 3600


@dataclass
class _Tally:
    """One account's counts in this process: the last read from PostgreSQL, and those not
    yet added there."""

    read: Windows = field(default_factory=dict)
    unsent: Counter[tuple[int, int]] = field(default_factory=Counter)
    flushed_at: float = float("-inf")


@dataclass
class SharedRateLimiter:
    sessions: SessionFactory
    local: RateLimiter
    _tallies: dict[str, _Tally] = field(default_factory=dict)

    async def check(
        self, account_id: str, *, per_minute: int | None = None, burst_limit: int | None = None
    ) -> Verdict:
        limits = {
            MINUTE: per_minute or self.local.per_minute,
            max(int(self.local.burst_seconds), 1): burst_limit or self.local.burst,
        }
        now = int(time.time())
        windows = {seconds: (seconds, now - now % seconds) for seconds in limits}
        tally = self._tallies.setdefault(account_id, _Tally())
        tally.unsent.update(windows.values())
        counts = {s: tally.read.get(w, 0) + tally.unsent[w] for s, w in windows.items()}
        near = any(counts[seconds] * 2 >= limit for seconds, limit in limits.items())
        if near or time.monotonic() - tally.flushed_at >= FLUSH_SECONDS:
            try:
                counts = await self._flush(account_id, tally, now)
            except (SQLAlchemyError, OSError) as error:
                log.warning("shared rate limit unavailable, counting in this process: %s", error)
                tally.unsent.clear()
                return self.local.check(account_id, per_minute=per_minute, burst_limit=burst_limit)
        return verdict(limits, counts, now)

    async def _flush(self, account_id: str, tally: _Tally, now: int) -> dict[int, int]:
        """Add this process's unsent counts of the current windows; their counts over every
        process, by window length."""
        current = {
            (s, start): n for (s, start), n in tally.unsent.items() if start == now - now % s
        }
        tally.unsent.clear()
        tally.flushed_at = time.monotonic()
        async with single_statement(self.sessions) as session:
            rows = await session.execute(
                COUNT,
                {"account": account_id, "now": now, "windows": [s for s, _ in current],
                 "added": list(current.values())},
            )  # fmt: skip
            counts = {int(seconds): int(count) for seconds, count in rows.all()}
        tally.read = {(s, now - now % s): count for s, count in counts.items()}
        return counts

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
