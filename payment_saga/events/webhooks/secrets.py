"""Endpoint signing secrets, kept encrypted with CODEC_KEYS (AES-GCM, the first key) so the
database alone cannot forge a signature; without codec keys (development) they are kept as is."""

from __future__ import annotations

import base64
import os
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PLAIN = "plain"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def seal(secret: str, keys: dict[str, bytes] | None) -> str:
    """`<key id>:<base64 nonce + ciphertext>`, or `plain:<secret>` without keys."""
    if not keys:
        return f"{PLAIN}:{secret}"
    key_id, key = next(iter(keys.items()))
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), key_id.encode())
    return f"{key_id}:{base64.b64encode(nonce + sealed).decode()}"


def unseal(sealed: str, keys: dict[str, bytes] | None) -> str:
    key_id, _, body = sealed.partition(":")
    if key_id == PLAIN:
        return body
    if not keys or key_id not in keys:
        raise ValueError(f"the webhook secret is sealed with codec key {key_id!r}, not configured")
    raw = base64.b64decode(body)
    return AESGCM(keys[key_id]).decrypt(raw[:12], raw[12:], key_id.encode()).decode()
