"""Per-account rate limits (and failed authentications per client address): a sustained
window and a burst window, both fixed and in memory.

Each API process counts on its own: with N instances behind a balancer the effective limit is
up to N times the setting (docs/api.md says so).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    retry_after: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_seconds),
        }


@dataclass
class _Window:
    seconds: float
    limit: int
    started: float = 0.0
    count: int = 0

    def roll(self, now: float) -> None:
        if now - self.started >= self.seconds:
            self.started, self.count = now, 0

    def left(self, now: float) -> float:
        return self.started + self.seconds - now


@dataclass
class RateLimiter:
    per_minute: int = 100
    burst: int = 20
    burst_seconds: float = 10.0
    _windows: dict[str, tuple[_Window, _Window]] = field(default_factory=dict)

    def check(
        self,
        key_id: str,
        now: float | None = None,
        *,
        per_minute: int | None = None,
        burst_limit: int | None = None,
    ) -> Verdict:
        """Count one request of `key_id`; `per_minute` / `burst_limit` override the defaults
        for this key (an account's own limits)."""
        now = time.monotonic() if now is None else now
        sustained, burst = self._windows.setdefault(
            key_id, (_Window(60.0, self.per_minute), _Window(self.burst_seconds, self.burst))
        )
        sustained.limit = per_minute or self.per_minute
        burst.limit = burst_limit or self.burst
        sustained.roll(now)
        burst.roll(now)
        full = [w for w in (sustained, burst) if w.count >= w.limit]
        if not full:
            sustained.count += 1
            burst.count += 1
        remaining = min(sustained.limit - sustained.count, burst.limit - burst.count)
        retry_after = max((math.ceil(w.left(now)) for w in full), default=0)
        return Verdict(
            allowed=not full,
            limit=sustained.limit,
            remaining=max(remaining, 0),
            reset_seconds=math.ceil(sustained.left(now)),
            retry_after=max(retry_after, 1) if full else 0,
        )

    def blocked(self, key_id: str, now: float | None = None) -> bool:
        """Whether `key_id` is over its limit now, without counting a request."""
        now = time.monotonic() if now is None else now
        windows = self._windows.get(key_id)
        if windows is None:
            return False
        for window in windows:
            window.roll(now)
        return any(window.count >= window.limit for window in windows)
