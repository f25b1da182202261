"""Scans for card data where we keep data, shared by the at-rest test and the scans' own tests.

A scan that reads ciphertext finds nothing whatever is inside, so Temporal histories are read
through the payload codec first; `tests/unit/test_scans.py` plants a card number in an
encrypted payload and checks that the scan finds it.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

CARDS = [
    "4242424242424242", "4111111111111111", "5555555555554444", "378282246310005",
    "4000000000000002", "4000000000009995", "4000000000000069", "4000000000000127",
    "4000000000000119", "4000000000000259", "4000000000005126", "4000000000000341",
    # Authorize.Net's sandbox cards (its test guide), which the processor paths use.
    "5424000000000015", "4007000000027", "4222222222222", "6011000000000012",
]  # fmt: skip
# Distinctive CVCs, so that finding one means finding a leak.
CVC3, CVC4 = "987", "9876"
# Under every name a processor gives it: Stripe's card[cvc], Authorize.Net's cardCode.
CVC_LEAK = re.compile(
    rf"(?i)(cvc2?|cvv2?|card_?code|security_?code)(?:%5D)?\W{{0,8}}({CVC3}|{CVC4})"
)
ENCRYPTED = base64.b64encode(b"binary/encrypted").decode()


def leaks(text: str, where: str) -> list[str]:
    found = [f"{where}: card {card}" for card in CARDS if card in text]
    found += [f"{where}: {m.group(0)!r}" for m in CVC_LEAK.finditer(text)]
    return found


async def decoded_history(history_json: str, codec: PayloadCodec | None) -> str:
    """A workflow history as JSON, followed by every payload's data decoded and decrypted."""
    decoded: list[str] = []
    await _decode_payloads(json.loads(history_json), codec, decoded)
    return "\n".join([history_json, *decoded])


async def _decode_payloads(node: Any, codec: PayloadCodec | None, out: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            await _decode_payloads(item, codec, out)
        return
    if not isinstance(node, dict):
        return
    metadata = node.get("metadata")
    if isinstance(metadata, dict) and isinstance(node.get("data"), str):
        payload = Payload(
            metadata={key: base64.b64decode(value) for key, value in metadata.items()},
            data=base64.b64decode(node["data"]),
        )
        if metadata.get("encoding") == ENCRYPTED:
            assert codec is not None, "an encrypted payload, and no codec to read it"
            [payload] = await codec.decode([payload])
        out.append(payload.data.decode(errors="replace"))
        return
    for value in node.values():
        await _decode_payloads(value, codec, out)
