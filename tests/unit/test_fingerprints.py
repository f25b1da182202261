"""Card fingerprints: keyed, stable, rotatable; never a bare hash of the number."""

from __future__ import annotations

import base64
import hashlib

import pytest

from payment_saga.domain.fingerprints import (
    CardFingerprints,
    FingerprintKeyError,
    parse_fingerprint_keys,
)

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()
CARD = "4242424242424242"


def test_same_card_same_fingerprint_under_one_key() -> None:
    fingerprints = CardFingerprints(parse_fingerprint_keys(f"a:{KEY_A}"))
    assert fingerprints.of(CARD) == fingerprints.of(CARD) != fingerprints.of("4111111111111111")
    assert fingerprints.of(CARD).startswith("a_")


def test_without_the_key_a_fingerprint_cannot_be_recomputed() -> None:
    fingerprint = CardFingerprints(parse_fingerprint_keys(f"a:{KEY_A}")).of(CARD)
    assert hashlib.sha256(CARD.encode()).hexdigest()[:40] not in fingerprint
    assert fingerprint != CardFingerprints(parse_fingerprint_keys(f"a:{KEY_B}")).of(CARD)


def test_rotation_fingerprints_new_cards_with_the_active_key_and_matches_old_ones() -> None:
    old = CardFingerprints(parse_fingerprint_keys(f"a:{KEY_A}"))
    rotated = CardFingerprints(parse_fingerprint_keys(f"a:{KEY_A},b:{KEY_B}"), "b")
    assert rotated.of(CARD).startswith("b_")
    assert old.of(CARD) in rotated.all_of(CARD)


@pytest.mark.parametrize("spec", ["", "a:" + base64.b64encode(b"short").decode(), f"A!:{KEY_A}"])
def test_weak_or_malformed_keys_are_refused(spec: str) -> None:
    with pytest.raises(FingerprintKeyError):
        parse_fingerprint_keys(spec)
