"""With tracing on, one trace runs from the HTTP request to the Kafka publish.

The API, a worker and the relay run in this process on a task queue of their own, with an
in-memory span exporter.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry
from sqlalchemy import select

from activities.payments import PaymentActivities
from api.main import create_app
from devtools.stack.stack import Stack
from payment_saga.config import Settings
from payment_saga.connections import connect_temporal, gateway_http_client
from payment_saga.db.models import OutboxEvent
from payment_saga.db.session import SessionFactory, create_engine
from payment_saga.events.relay import OutboxRelay, RelayMetrics
from payment_saga.processors.simulator.adapter import SimulatorGateway
from tests.e2e.conftest import new_key, payment_body
from worker import build_worker

EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module")
def traced(settings: Settings) -> Settings:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    trace.set_tracer_provider(provider)
    traced = settings.model_copy(deep=True)
    traced.tracing.force = True
    traced.temporal.task_queue = f"traced-{uuid.uuid4().hex[:6]}"
    return traced


@pytest.fixture
async def traced_worker(traced: Settings, sessions: SessionFactory) -> AsyncIterator[None]:
    client = await connect_temporal(traced)
    async with gateway_http_client(traced.gateway) as http:
        activities = PaymentActivities(
            sessions, SimulatorGateway(http), temporal_ui_url="http://ui", namespace="default"
        )
        async with build_worker(traced, client, activities):
            yield


@pytest.mark.usefixtures("traced_worker")
async def test_one_trace_from_request_to_publish(
    traced: Settings, stack: Stack, sessions: SessionFactory
) -> None:
    app = create_app(traced)
    headers = {"Authorization": f"Bearer {stack.dev_api_key}", "Prefer": "wait=15", **new_key()}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as api,
    ):
        response = await api.post("/v1/payments", json=payment_body(), headers=headers)
    assert response.status_code == 201, response.text
    payment_id = response.json()["id"]

    engine = create_engine(traced.database)
    async with engine.connect() as connection:
        columns = (
            OutboxEvent.id,
            OutboxEvent.payment_id,
            OutboxEvent.payload,
            OutboxEvent.created_at,
        )
        rows = list(
            await connection.execute(select(*columns).where(OutboxEvent.payment_id == payment_id))
        )
    events = [row.payload for row in rows]
    producer = AIOKafkaProducer(bootstrap_servers=traced.kafka.bootstrap())
    await producer.start()
    try:
        relay = OutboxRelay(engine, traced.kafka, RelayMetrics(CollectorRegistry()))
        await relay._send(producer, rows)
    finally:
        await producer.stop()
        await engine.dispose()

    spans = EXPORTER.get_finished_spans()
    http_span = next(s for s in spans if s.name == "POST /v1/payments")
    trace_id = http_span.context.trace_id
    in_trace = {s.name for s in spans if s.context.trace_id == trace_id}
    assert {
        "RunWorkflow:PaymentWorkflow",
        "RunActivity:authorize",
        "RunActivity:capture",
    } <= in_trace
    assert f"{traced.kafka.topic} publish" in in_trace
    assert all(event["traceparent"].split("-")[1] == f"{trace_id:032x}" for event in events)


async def test_no_span_is_named_with_a_secret_in_the_path(traced: Settings) -> None:
    """The Temporal UI sends the operator token in the codec's path (`/codec/t/<token>/...`):
    spans were named by the raw path, so the token went to the tracing backend (#27 item 6)."""
    assert traced.codec.operator_token is not None
    token = traced.codec.operator_token.get_secret_value()
    app = create_app(traced)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as api,
    ):
        answer = await api.post(f"/codec/t/{token}/decode", json={"payloads": []})
    assert answer.status_code == 200
    names = [s.name for s in EXPORTER.get_finished_spans()]
    assert names and not [n for n in names if token in n]
    assert "POST /t/{token}/{action}" in names or "POST /codec" in " ".join(names)
