"""Temporal over mutual TLS: a TLS terminator in front of the dev server (which has no TLS of
its own) requires a client certificate signed by the test CA. A worker and a client that
connect through it with TEMPORAL_TLS_* settings complete a payment; a client without a
certificate is refused."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError

from activities.payments import PaymentActivities
from payment_saga.config import Settings
from payment_saga.connections import connect_temporal, gateway_http_client
from payment_saga.db.session import SessionFactory
from payment_saga.domain.states import CaptureMethod
from payment_saga.processors.simulator.adapter import SimulatorGateway
from tests.certs import Authority
from tests.integration.conftest import Payments
from tests.tls_terminator import TlsTerminator, server_context
from worker import build_worker
from workflows.payment import PaymentWorkflow


@pytest.fixture
async def tls_settings(settings: Settings, tmp_path: Path) -> AsyncIterator[Settings]:
    """The stack's settings, with Temporal reached over mTLS through a terminator."""
    authority = Authority()
    ca = authority.write_ca(tmp_path / "ca.pem")
    server = authority.issue("127.0.0.1", tmp_path / "server.pem", tmp_path / "server.key")
    host, port = settings.temporal.target().rsplit(":", 1)
    terminator = TlsTerminator((host, int(port)), server_context(*server, client_ca=ca))
    listening = await terminator.start()
    try:
        cert, key = authority.issue("worker", tmp_path / "client.pem", tmp_path / "client.key")
        tls = settings.model_copy(deep=True)
        tls.temporal.address = f"127.0.0.1:{listening}"
        tls.temporal.tls_ca_file = ca
        tls.temporal.tls_cert_file, tls.temporal.tls_key_file = cert, key
        tls.temporal.task_queue = f"tls-{uuid.uuid4().hex[:8]}"
        yield tls
    finally:
        await terminator.stop()


async def test_a_payment_completes_over_mutual_tls(
    tls_settings: Settings, payments: Payments, sessions: SessionFactory
) -> None:
    client = await connect_temporal(tls_settings)
    async with gateway_http_client(tls_settings.gateway) as http:
        activities = PaymentActivities(
            sessions, SimulatorGateway(http), temporal_ui_url="http://ui", namespace="default"
        )
        async with build_worker(tls_settings, client, activities):
            request = await payments.request(
                "4242424242424242", capture_method=CaptureMethod.MANUAL
            )
            handle = await payments.start_run(request, tls_settings.temporal.task_queue, client)
            for _ in range(200):
                if (await handle.query(PaymentWorkflow.state)).status == "authorized":
                    break
                await asyncio.sleep(0.05)
            await handle.cancel()  # voided: the run ends over the same connection
            with pytest.raises(WorkflowFailureError):
                await handle.result()
            assert (await handle.query(PaymentWorkflow.state)).status == "canceled"
    assert (await handle.describe()).status is WorkflowExecutionStatus.CANCELED


async def test_a_client_without_a_certificate_is_refused(tls_settings: Settings) -> None:
    anonymous = tls_settings.model_copy(deep=True)
    anonymous.temporal.tls_cert_file = anonymous.temporal.tls_key_file = None
    with pytest.raises(RuntimeError):
        client: Client = await asyncio.wait_for(connect_temporal(anonymous), timeout=30)
        await client.count_workflows()
