"""The card-data scans can fail: a card number planted where they look is found."""

from __future__ import annotations

import json

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload

from payment_saga.codec.encryption import EncryptionCodec, parse_keys
from tests.keys import TEST_CODEC_KEYS
from tests.scan import decoded_history, leaks

PLANTED = "4242424242424242"


async def test_a_card_number_in_an_encrypted_payload_is_found() -> None:
    codec = EncryptionCodec(parse_keys(TEST_CODEC_KEYS))
    plain = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps({"n": PLANTED}).encode())
    [sealed] = await codec.encode([plain])
    started = {"input": {"payloads": [json_format.MessageToDict(sealed)]}}
    history = json.dumps({"events": [{"workflowExecutionStartedEventAttributes": started}]})

    assert leaks(history, "raw") == []  # what the scan used to read: ciphertext only
    assert leaks(await decoded_history(history, codec), "decoded") == [f"decoded: card {PLANTED}"]


def test_a_cvc_next_to_its_name_is_found() -> None:
    assert leaks('{"cvc": "987"}', "log") != []
    # Every processor's name for it: Authorize.Net's cardCode, Stripe's form field card[cvc].
    for planted in ('{"cardCode": "987"}', "card[cvc]=987", "card%5Bcvc%5D=987", "cvv2=9876"):
        assert leaks(planted, "log") != [], planted
    assert leaks("anet card 5424000000000015", "log") != []
    assert leaks('{"amount": 987}', "log") == []
