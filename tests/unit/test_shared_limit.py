"""The shared rate limit's answer for given window counts."""

from __future__ import annotations

from api.sharedlimit import verdict


def test_within_both_windows_is_allowed_with_what_remains() -> None:
    answer = verdict({60: 100, 10: 20}, {60: 30, 10: 5}, now=1_000_005)
    assert (answer.allowed, answer.remaining, answer.limit) == (True, 15, 100)
    assert answer.reset_seconds == 60 - 1_000_005 % 60


def test_over_the_burst_is_refused_until_its_window_ends() -> None:
    answer = verdict({60: 100, 10: 20}, {60: 30, 10: 21}, now=1_000_003)
    assert (answer.allowed, answer.remaining) == (False, 0)
    assert answer.retry_after == 7
