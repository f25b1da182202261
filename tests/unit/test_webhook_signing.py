"""Outbound webhook signatures and sealed endpoint secrets."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.exceptions import InvalidTag

from payment_saga.codec.encryption import new_key_spec, parse_keys
from payment_saga.events.webhooks.dispatcher import signature
from payment_saga.events.webhooks.secrets import new_secret, seal, unseal


def test_the_signature_is_stripes_scheme_over_time_and_body() -> None:
    body = b'{"id": "evt"}'
    header = signature("whsec_s", body, 1_800_000_000)
    expected = hmac.new(b"whsec_s", b"1800000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1800000000,v1={expected}"
    assert signature("whsec_s", body + b" ", 1_800_000_000) != header


def test_secrets_are_sealed_with_the_codec_key_and_only_it_opens_them() -> None:
    keys = parse_keys(new_key_spec("k1"))
    secret = new_secret()
    sealed = seal(secret, keys)
    assert secret not in sealed and sealed.startswith("k1:")
    assert unseal(sealed, keys) == secret
    other = parse_keys(new_key_spec("k1"))
    with pytest.raises(InvalidTag):
        unseal(sealed, other)
    assert unseal(seal(secret, None), None) == secret  # development, without codec keys
