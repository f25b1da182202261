"""The example order service (sdk/examples/order_service.py) runs end to end against the stack."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from devtools.stack.stack import Stack
from devtools.testservers.simulator.books import APPROVED_CARDS, DECLINES

EXAMPLE = Path(__file__).parents[2] / "sdk" / "examples" / "order_service.py"


def test_pays_refunds_follows_events_and_handles_a_decline(stack: Stack) -> None:
    env = {
        **os.environ,
        "API_URL": stack.settings.api.base_url(),
        "API_KEY": stack.dev_api_key or "",
        "KAFKA_BOOTSTRAP_SERVERS": stack.settings.kafka.bootstrap(),
        "KAFKA_TOPIC": stack.settings.kafka.topic,
        # The simulator's own catalogue: an approved card, and one declined for funds.
        "APPROVED_CARD": APPROVED_CARDS[0],
        "INSUFFICIENT_FUNDS_CARD": next(
            number for number, (_, code, _) in DECLINES.items() if code == "insufficient_funds"
        ),
    }
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert "captured pay_" in lines[0]
    assert lines[1].endswith("refund succeeded 1200")
    assert lines[2].endswith("events payment.authorized, payment.succeeded, payment.refunded")
    assert lines[3].endswith("declined (insufficient_funds)")
