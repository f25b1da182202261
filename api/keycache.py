"""API key look-ups, cached briefly so a request does not query Postgres for its key.

The bound is `API_KEY_CACHE_SECONDS` (5 s): a revoked or expired key keeps working at most that
long on each API process (docs/api.md). Only found keys are cached; unknown secrets are not,
and failed attempts are limited per client address by the caller.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from payment_saga.db.apikeys import Principal, find_active, hash_key
from payment_saga.db.session import SessionFactory

MAX_ENTRIES = 10_000


@dataclass
class KeyCache:
    sessions: SessionFactory
    seconds: float
    _entries: dict[str, tuple[float, Principal]] = field(default_factory=dict)

    def cached(self, secret: str) -> Principal | None:
        """The key's principal if it was looked up within the bound; never queries."""
        cached = self._entries.get(hash_key(secret))
        if cached is not None and time.monotonic() - cached[0] < self.seconds:
            return cached[1]
        return None

    async def look_up(self, secret: str) -> Principal | None:
        """Ask PostgreSQL (callers try `cached` first) and keep the answer for the bound."""
        digest = hash_key(secret)  # the secret itself is never kept in memory here
        now = time.monotonic()
        async with self.sessions.begin() as session:
            principal = await find_active(session, secret)
        if principal is None:
            self._entries.pop(digest, None)
            return None
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[digest] = (now, principal)
        return principal
