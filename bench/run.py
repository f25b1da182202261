"""One benchmark run against a running stack: the floor, then the saga through the API."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.floor import FLOOR_TASK_QUEUE, FloorInput, FloorWorkflow
from bench.measure import MemorySampler, Run, closed_loop, cpu_per_call, open_loop
from clients import connect_temporal
from gateway.processor import APPROVED_CARDS
from stack.process import ManagedProcess
from stack.stack import Stack, task_queue_polled

MEASURED = ("api", "worker", "temporal", "postgres", "kafka", "gateway")
# Three-digit-CVC approved cards.
APPROVED = APPROVED_CARDS[:3]


@dataclass
class BenchOptions:
    count: int = 300
    concurrency: int = 20
    rate: float = 10.0
    rate_seconds: float = 20.0
    scale: tuple[int, ...] = ()
    warmup: int = 20


@dataclass
class SucceededEvents:
    """When each payment's `payment.succeeded` event was read from Kafka."""

    stack: Stack
    received: dict[str, float] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        kafka = self.stack.settings.kafka
        consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap(), enable_auto_commit=False)
        await consumer.start()
        partitions = [TopicPartition(kafka.topic, p) for p in range(kafka.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        self._task = asyncio.create_task(self._read(consumer))

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        try:
            async for message in consumer:
                event = orjson.loads(message.value)
                if event["type"] == "payment.succeeded":
                    self.received.setdefault(event["subject"], time.perf_counter())
        finally:
            await consumer.stop()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


def payment_body(index: int) -> dict[str, Any]:
    card = {"number": APPROVED[index % 3], "exp_month": 12, "exp_year": 2031, "cvc": "123"}
    return {
        "order_id": f"bench_{index}",
        "amount": 1000 + index,
        "currency": "USD",
        "payment_method": {"type": "card", "card": card},
    }


async def run_benchmark(stack: Stack, options: BenchOptions) -> dict[str, Any]:
    floor_worker = ManagedProcess(
        name="bench-floor",
        argv=[sys.executable, "-m", "bench.floor_worker"],
        log_path=stack.log_dir / "bench-floor.log",
        env=stack.child_env(),
        cwd=Path(__file__).resolve().parent.parent,
    )
    floor_worker.start()
    try:
        await stack.wait_healthy(
            "bench-floor", lambda: task_queue_polled(stack.settings, FLOOR_TASK_QUEUE)
        )
        return await _measure(stack, options, floor_worker.pid or 0)
    finally:
        floor_worker.stop()


async def _measure(stack: Stack, options: BenchOptions, floor_pid: int) -> dict[str, Any]:
    temporal = await connect_temporal(stack.settings)
    started_at: dict[str, float] = {}
    headers = {"Authorization": f"Bearer {stack.dev_api_key}", "Prefer": "wait=30"}
    limits = httpx.Limits(max_connections=max(options.concurrency, *options.scale, 50) + 10)
    async with httpx.AsyncClient(
        base_url=stack.settings.api.base_url(), headers=headers, timeout=60, limits=limits
    ) as api:
        run_id = uuid.uuid4().hex[:8]

        async def floor(index: int) -> None:
            workflow_id = f"floor_{run_id}_{index}_{uuid.uuid4().hex[:6]}"
            await temporal.execute_workflow(
                FloorWorkflow.run,
                FloorInput(workflow_id),
                id=workflow_id,
                task_queue=FLOOR_TASK_QUEUE,
            )

        async def saga(index: int) -> None:
            started = time.perf_counter()
            key = {"Idempotency-Key": f"bench-{run_id}-{uuid.uuid4().hex}"}
            response = await api.post("/v1/payments", json=payment_body(index), headers=key)
            if response.status_code != 201:
                raise RuntimeError(f"create answered {response.status_code}: {response.text[:200]}")
            started_at[response.json()["id"]] = started

        events = SucceededEvents(stack)
        await events.start()
        try:
            await closed_loop("warmup-floor", floor, options.warmup, 4)
            await closed_loop("warmup-saga", saga, options.warmup, 4)
            floor_run, floor_cpu = await cpu_per_call(
                {"temporal": stack.processes["temporal"].pid or 0, "floor-worker": floor_pid},
                closed_loop("floor", floor, options.count, options.concurrency),
            )
            pids = {name: stack.processes[name].pid or 0 for name in MEASURED}
            with MemorySampler({"api": pids["api"], "worker": pids["worker"]}) as memory:
                saga_run, saga_cpu = await cpu_per_call(
                    pids, closed_loop("saga", saga, options.count, options.concurrency)
                )
            open_run = await open_loop("saga-open-loop", saga, options.rate, options.rate_seconds)
            scale = [
                (await closed_loop(f"saga@{c}", saga, options.count, c)).figures()
                for c in options.scale
            ]
            await asyncio.sleep(2)  # the relay's last events
        finally:
            events.stop()
    to_event = [events.received[p] - t for p, t in started_at.items() if p in events.received]
    return {
        "options": options.__dict__,
        "floor": floor_run.figures(),
        "saga": saga_run.figures(),
        "ratio": round(saga_run.throughput / floor_run.throughput, 3),
        "open_loop": open_run.figures(),
        "create_to_event": Run("create-to-event", len(to_event), 1.0, to_event).figures(),
        "events_missing": len(started_at) - len(to_event),
        "floor_cpu_seconds_per_workflow": floor_cpu,
        "cpu_seconds_per_payment": saga_cpu,
        "peak_rss_mb": {name: round(mb, 1) for name, mb in memory.peak_mb.items()},
        "scale": scale,
    }
