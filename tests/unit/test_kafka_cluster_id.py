"""The local Kafka's cluster id is never read as a command-line option."""

from __future__ import annotations

import uuid

import pytest

from devtools.stack import kafka

DASH_FIRST = uuid.UUID(bytes=b"\xf8" + bytes(15))  # 0b111110.. encodes as "-" first


def test_an_id_that_would_start_with_a_dash_is_drawn_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draws = iter([DASH_FIRST, DASH_FIRST, uuid.UUID(int=1)])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws))

    cluster_id = kafka.cluster_id()

    assert cluster_id == "AAAAAAAAAAAAAAAAAAAAAQ"
    assert next(draws, None) is None


def test_random_ids_are_22_url_safe_characters_without_a_leading_dash() -> None:
    ids = {kafka.cluster_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)
