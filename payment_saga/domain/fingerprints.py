"""Keyed card fingerprints: the same card gives the same fingerprint, and nobody without the key
can test a guess against one (PCI DSS 3.5.1: a bare hash of a card number can be brute-forced
from its BIN and last four digits).

A fingerprint is `<key id>_<HMAC-SHA256 of the number, hex, 40 characters>`. Keys rotate like
the codec's: the active key fingerprints new cards, and `all_of` gives a card's fingerprint
under every key, for matching cards seen before a rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from payment_saga.domain import limits

KEY_ID = re.compile(r"^[a-z0-9]{1,16}$")
DIGEST_CHARS = 40
MIN_KEY_BYTES = 32


class FingerprintKeyError(ValueError):
    pass


def parse_fingerprint_keys(spec: str) -> dict[str, bytes]:
    """`id1:base64key,id2:base64key` -> {id: key}; keys of at least 32 bytes."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key_id, _, encoded = item.partition(":")
        key = base64.b64decode(encoded)
        if not KEY_ID.match(key_id) or len(key) < MIN_KEY_BYTES:
            raise FingerprintKeyError(
                "each card fingerprint key is `id:base64 of 32+ bytes`, id [a-z0-9]{1,16}"
            )
        keys[key_id] = key
    if not keys:
        raise FingerprintKeyError("no card fingerprint keys given")
    return keys


class CardFingerprints:
    def __init__(self, keys: dict[str, bytes], active_key_id: str | None = None) -> None:
        if not keys:
            raise FingerprintKeyError("no card fingerprint keys given")
        self._keys = dict(keys)
        self._active = active_key_id or next(iter(keys))
        if self._active not in self._keys:
            raise FingerprintKeyError(f"no card fingerprint key {self._active!r}")

    def of(self, number: str) -> str:
        return self._under(self._active, number)

    def all_of(self, number: str) -> list[str]:
        """Under every key, the active one first."""
        others = [key_id for key_id in self._keys if key_id != self._active]
        return [self._under(key_id, number) for key_id in [self._active, *others]]

    def _under(self, key_id: str, number: str) -> str:
        digest = hmac.new(self._keys[key_id], number.encode(), hashlib.sha256).hexdigest()
        fingerprint = f"{key_id}_{digest[:DIGEST_CHARS]}"
        assert len(fingerprint) <= limits.FINGERPRINT_MAX
        return fingerprint
