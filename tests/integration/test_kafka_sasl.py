"""Kafka over SASL_SSL, as a managed Kafka asks: a second local broker with a SASL_SSL listener
(certificates made by the test, users for PLAIN and SCRAM-SHA-512). Our events are published
to it (the outbox replay, whose producer is built as the relay's) and read back by the audit's
consumer and by `payment-saga events tail`; a wrong password or an unknown CA is refused."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError
from pydantic import SecretStr

from devtools.stack.kafka import SecureListener, kafka_process, kafka_ready
from devtools.stack.ports import free_port
from devtools.stack.stack import Stack
from payment_saga.config import Settings
from payment_saga.connections import kafka_options
from payment_saga.db.session import create_engine
from payment_saga.events.replay import replay
from payment_saga.events.topic import whole_topic_consumer
from tests.certs import Authority
from tests.integration.conftest import Payments, run_cli

USER, PASSWORD = "payments", "s3cret-for-tests"


@pytest.fixture(scope="module")
async def secure_broker(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Settings, int, Path]]:
    """A broker of its own: (its settings over PLAINTEXT, its SASL_SSL port, the CA)."""
    work = tmp_path_factory.mktemp("sasl-kafka")
    authority = Authority()
    ca = authority.write_ca(work / "ca.pem")
    cert, key = authority.issue("127.0.0.1", work / "broker.pem", work / "broker.key")
    keystore = work / "keystore.pem"
    keystore.write_text(key.read_text() + cert.read_text())
    broker = settings.model_copy(deep=True)
    broker.kafka.bootstrap_servers = None
    broker.kafka.port, broker.kafka.controller_port = free_port(), free_port()
    listener = SecureListener(free_port(), keystore, {USER: PASSWORD})
    runner = Stack(broker)
    process = await asyncio.to_thread(kafka_process, broker, work, work, listener)
    runner.processes[process.name] = process
    process.start()
    try:
        await runner.wait_healthy(process.name, lambda: kafka_ready(broker))
        yield broker, listener.port, ca
    finally:
        runner.stop()


def over_sasl(
    broker: tuple[Settings, int, Path], mechanism: str, password: str = PASSWORD
) -> Settings:
    settings, port, ca = broker
    secure = settings.model_copy(deep=True)
    secure.kafka.bootstrap_servers = f"127.0.0.1:{port}"
    secure.kafka.security_protocol = "SASL_SSL"
    secure.kafka.sasl_mechanism = mechanism  # type: ignore[assignment]
    secure.kafka.sasl_username, secure.kafka.sasl_password = USER, SecretStr(password)
    secure.kafka.ssl_ca_file = ca
    return secure


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "PLAIN"])
async def test_events_travel_over_sasl_ssl(
    secure_broker: tuple[Settings, int, Path], payments: Payments, mechanism: str
) -> None:
    handle = await payments.start("4242424242424242")
    await handle.result()
    secure = over_sasl(secure_broker, mechanism)
    consumer, _ = await whole_topic_consumer(secure.kafka, from_beginning=False)
    engine = create_engine(secure.database)
    try:
        published = await replay(engine, secure.kafka, payment_id=handle.id)
        assert published >= 2
        seen: list[str] = []
        async with asyncio.timeout(30):
            while len(seen) < published:
                batch = await consumer.getmany(timeout_ms=1000)
                seen += [json.loads(m.value)["subject"] for ms in batch.values() for m in ms]
        assert set(seen) == {handle.id}
    finally:
        await consumer.stop()
        await engine.dispose()

    tailed = await asyncio.to_thread(tail, secure, handle.id)
    assert tailed.returncode == 0, tailed.stderr
    assert handle.id in tailed.stdout


def tail(settings: Settings, payment_id: str) -> subprocess.CompletedProcess[str]:
    """`payment-saga events tail`, configured by environment variables only."""
    return run_cli(settings, "events", "tail", "--from-beginning", "--payment", payment_id,
                   "--max", "1", "--idle-seconds", "15")  # fmt: skip


async def test_a_wrong_password_is_refused(secure_broker: tuple[Settings, int, Path]) -> None:
    wrong = over_sasl(secure_broker, "SCRAM-SHA-512", password="not-the-password")
    producer = AIOKafkaProducer(**kafka_options(wrong.kafka), request_timeout_ms=5000)
    with pytest.raises(KafkaError):
        await producer.start()
    await producer.stop()


async def test_a_broker_certificate_from_an_unknown_ca_is_refused(
    secure_broker: tuple[Settings, int, Path],
) -> None:
    untrusted = over_sasl(secure_broker, "SCRAM-SHA-512")
    untrusted.kafka.ssl_ca_file = None  # the system's roots do not know the test CA
    producer = AIOKafkaProducer(**kafka_options(untrusted.kafka), request_timeout_ms=5000)
    with pytest.raises((KafkaConnectionError, KafkaError)):
        await producer.start()
    await producer.stop()
