"""AES-256-GCM payload codec with key ids, so keys can rotate without losing old histories."""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID_HEADER = "encryption-key-id"
NONCE_BYTES = 12


class UnknownKeyError(ValueError):
    pass


class PlaintextPayloadError(ValueError):
    """An unencrypted payload where only encrypted ones are accepted (CODEC_ACCEPT_PLAINTEXT)."""


def parse_keys(spec: str) -> dict[str, bytes]:
    """`id1:base64key,id2:base64key` -> {id: 32-byte key}; the first is the one that encrypts."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key_id, _, encoded = item.partition(":")
        key = base64.b64decode(encoded)
        if not key_id or len(key) != 32:
            raise ValueError("each codec key is `id:base64 of 32 bytes`")
        keys[key_id] = key
    if not keys:
        raise ValueError("no codec keys given")
    return keys


def new_key_spec(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


class EncryptionCodec(PayloadCodec):
    def __init__(
        self,
        keys: dict[str, bytes],
        active_key_id: str | None = None,
        *,
        accept_plaintext: bool = True,
    ) -> None:
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._accept_plaintext = accept_plaintext
        self._active = active_key_id or next(iter(keys))
        if self._active not in self._ciphers:
            raise UnknownKeyError(f"the active key {self._active!r} is not among the keys")

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher, key_id = self._ciphers[self._active], self._active.encode()
        encoded = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = cipher.encrypt(nonce, payload.SerializeToString(), key_id)
            encoded.append(
                Payload(
                    metadata={"encoding": ENCODING, KEY_ID_HEADER: key_id},
                    data=nonce + sealed,
                )
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                if not self._accept_plaintext:
                    raise PlaintextPayloadError(
                        "an unencrypted payload; set CODEC_ACCEPT_PLAINTEXT=true only while"
                        " migrating histories written before encryption"
                    )
                decoded.append(payload)  # written before encryption was on
                continue
            key_id = payload.metadata[KEY_ID_HEADER]
            cipher = self._ciphers.get(key_id.decode())
            if cipher is None:
                raise UnknownKeyError(f"payload encrypted with unknown key {key_id.decode()!r}")
            nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
            decoded.append(Payload.FromString(cipher.decrypt(nonce, sealed, key_id)))
        return decoded
