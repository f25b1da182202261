"""The header parsers (api/headers.py): strict, and never an exception for odd bytes."""

from __future__ import annotations

import pytest

from api.headers import bearer_token, content_length, prefer_wait, signature
from payment_saga.domain.errors import InvalidRequest
from payment_saga.processors.notices import same_secret


def test_bearer_tokens_are_visible_ascii_or_nothing() -> None:
    assert bearer_token("Bearer sk_1") == bearer_token("bearer  sk_1 ") == "sk_1"
    for odd in (None, "", "Bearer ", "Basic sk_1", "Bearer sk_\xe9", "Bearer a b", "sk_1"):
        assert bearer_token(odd) is None


def test_wait_takes_ascii_digits_within_the_limit() -> None:
    assert prefer_wait(None, 30) is None
    assert prefer_wait("respond-async, wait=5", 30) == 5
    assert prefer_wait("WAIT = 7", 30) == 7
    for odd in ("wait=²", "wait=٣", "wait=31", "wait=", "wait=-1", "wait=" + "9" * 5000):
        with pytest.raises(InvalidRequest):
            prefer_wait(odd, 30)


def test_secrets_compare_whatever_bytes_arrive() -> None:
    assert same_secret("Bearer t", "Bearer t")
    assert not same_secret("Bearer \xe9\udc80", "Bearer t")
    assert not same_secret(None, "Bearer t")


def test_lengths_and_signatures_are_refused_when_odd() -> None:
    assert content_length("12") == 12
    assert content_length("²") is None and content_length("9" * 40) is None
    assert signature("t=1,v1=ab", "Stripe-Signature") == "t=1,v1=ab"
    for odd in ("", "sha512=\xe9"):
        with pytest.raises(InvalidRequest):
            signature(odd, "X-ANET-Signature")
