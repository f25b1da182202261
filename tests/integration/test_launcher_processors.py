"""Every GATEWAY_KIND the README offers starts with its command and takes a payment (#27 item
7: `GATEWAY_KIND=stripe make run` never became ready, stripe-mock's own HTTPS listener taking
the port the stack gave it). The launcher runs as `make run` runs it, on its default processor
ports, sharing this session's Temporal, PostgreSQL and Kafka so only the new parts start."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from devtools.stack.ports import free_port
from payment_saga.config import Settings

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = Path(sys.executable).parent / "payment-saga-stack"
CARDS = {"stripe": "4242424242424242", "authorizenet": "4111111111111111"}
# What each kind's payment is, and where a waited create leaves it.
PAYPAL = {"type": "paypal"}


def launcher_env(settings: Settings, kind: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GATEWAY_KIND": kind,
        "DATABASE_URL": settings.database.sqlalchemy_url(),
        "TEMPORAL_ADDRESS": settings.temporal.target(),
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap(),
        "TEMPORAL_TASK_QUEUE": f"launcher-{kind}-{uuid.uuid4().hex[:6]}",
        "API_PORT": str(free_port()),
        "WORKER_METRICS_PORT": str(free_port()),
        "WORKER_SDK_METRICS_PORT": str(free_port()),
        "STACK_DATA_DIR": str(data_dir),
        "CODEC_KEYS": settings.codec.keys.get_secret_value() if settings.codec.keys else "",
    }


def wait_for_locations(process: subprocess.Popen[str], timeout: float) -> str:
    """What the launcher printed up to its table of locations; its whole output if it stopped."""
    printed: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        printed.append(line)
        if line.startswith("Ctrl-C stops everything"):
            return "".join(printed)
    return "".join(printed)


@pytest.mark.parametrize("kind", ["stripe", "authorizenet", "paypal"])
def test_each_processor_stack_starts_and_takes_a_payment(
    settings: Settings, kind: str, tmp_path: Path
) -> None:
    process = subprocess.Popen(
        [str(LAUNCHER), "up"], cwd=ROOT, env=launcher_env(settings, kind, tmp_path),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        printed = wait_for_locations(process, timeout=180)
        assert "payment-saga is up" in printed, printed[-3000:]
        api = re.search(r"API docs\s+(http://\S+)/docs", printed)
        key = re.search(r"Dev API key\s+(sk_\S+)", printed)
        assert api and key, printed
        body = {
            "order_id": f"ord_{uuid.uuid4().hex[:10]}", "amount": 1500, "currency": "USD",
            "payment_method": PAYPAL if kind == "paypal" else {"type": "card", "card": {
                "number": CARDS[kind], "exp_month": 12, "exp_year": 2032, "cvc": "123"}},
            "return_url": "https://shop.test/done",
        }  # fmt: skip
        headers = {"Authorization": f"Bearer {key.group(1)}", "Idempotency-Key": uuid.uuid4().hex,
                   "Prefer": "wait=20"}  # fmt: skip
        answer = httpx.post(f"{api.group(1)}/v1/payments", json=body, headers=headers, timeout=60)
        assert answer.status_code == 201, answer.text
        # PayPal waits for the payer (its page is the test server's, printed as "PayPal API").
        assert answer.json()["status"] == ("requires_action" if kind == "paypal" else "captured")
        if kind == "paypal":
            assert "PayPal API" in printed
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
