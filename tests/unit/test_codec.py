from __future__ import annotations

import pytest
from temporalio.api.common.v1 import Payload

from payment_saga.codec.encryption import (
    EncryptionCodec,
    PlaintextPayloadError,
    UnknownKeyError,
    new_key_spec,
    parse_keys,
)

PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=b'{"order_id": "ord_1", "amount": 2500}')


async def test_round_trip_hides_the_plaintext() -> None:
    codec = EncryptionCodec(parse_keys(new_key_spec("k1")))
    [sealed] = await codec.encode([PLAIN])

    assert b"ord_1" not in sealed.SerializeToString()
    assert sealed.metadata["encryption-key-id"] == b"k1"
    assert await codec.decode([sealed]) == [PLAIN]


async def test_rotation_keeps_old_payloads_readable() -> None:
    old, new = new_key_spec("k1"), new_key_spec("k2")
    [sealed_with_old] = await EncryptionCodec(parse_keys(old)).encode([PLAIN])
    rotated = EncryptionCodec(parse_keys(f"{new},{old}"))

    [sealed_with_new] = await rotated.encode([PLAIN])
    assert sealed_with_new.metadata["encryption-key-id"] == b"k2"
    assert await rotated.decode([sealed_with_old, sealed_with_new]) == [PLAIN, PLAIN]


async def test_unknown_key_and_tampering_are_refused() -> None:
    [sealed] = await EncryptionCodec(parse_keys(new_key_spec("k1"))).encode([PLAIN])
    with pytest.raises(UnknownKeyError):
        await EncryptionCodec(parse_keys(new_key_spec("k9"))).decode([sealed])
    other_k1 = EncryptionCodec(parse_keys(new_key_spec("k1")))
    with pytest.raises(Exception):  # noqa: B017 - AES-GCM authentication fails
        await other_k1.decode([sealed])


async def test_unencrypted_payloads_pass_through() -> None:
    codec = EncryptionCodec(parse_keys(new_key_spec("k1")))
    assert await codec.decode([PLAIN]) == [PLAIN]


@pytest.mark.parametrize("spec", ["", "k1", "k1:c2hvcnQ=", ":AAAA"])
def test_bad_key_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_keys(spec)


async def test_plaintext_payloads_are_refused_unless_accepted() -> None:
    """Outside development an unencrypted payload is refused (it was written around the
    codec, or before it): CODEC_ACCEPT_PLAINTEXT=true lets a migration read old histories."""
    strict = EncryptionCodec(parse_keys(new_key_spec("k1")), accept_plaintext=False)
    with pytest.raises(PlaintextPayloadError):
        await strict.decode([PLAIN])
    [sealed] = await strict.encode([PLAIN])
    assert await strict.decode([sealed]) == [PLAIN]
