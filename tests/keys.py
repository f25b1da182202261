"""A fixed codec key for the test stack, so recorded histories stay decodable by the unit tests.

Test-only: it protects nothing; real keys come from CODEC_KEYS.
"""

from __future__ import annotations

import dataclasses

import temporalio.converter

from payment_saga.codec.encryption import EncryptionCodec, parse_keys

TEST_CODEC_KEYS = "test1:phgzj8voRAYj9hFo3l/aqThXpEbhoQE2kuflqt0F14E="


def keyed_data_converter() -> temporalio.converter.DataConverter:
    codec = EncryptionCodec(parse_keys(TEST_CODEC_KEYS))
    return dataclasses.replace(temporalio.converter.DataConverter.default, payload_codec=codec)


# The processors' webhook secrets the test stack's API verifies signatures with.
STRIPE_WEBHOOK_SECRET = "whsec_test_0123456789abcdef0123456789abcdef"
ANET_SIGNATURE_KEY = "A1B2C3D4E5F6" * 10 + "A1B2C3D4"
