"""One benchmark run against a running stack: the floor, then the saga through the API."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from devtools.bench.baseline import (
    PlainService,
    durability_tax,
    measure_plain,
    payment_body,
    plain_service,
    stack_cpu,
)
from devtools.bench.eager import eager_start_gain
from devtools.bench.events import SucceededEvents
from devtools.bench.floor import FLOOR_TASK_QUEUE, FloorInput, FloorWorkflow
from devtools.bench.measure import (
    MemorySampler,
    Run,
    closed_loop,
    cpu_per_call,
    cpu_seconds,
    idle_cpu,
    open_loop,
    own_cpu_seconds,
)
from devtools.bench.profile import flame_graphs
from devtools.stack.process import ManagedProcess
from devtools.stack.stack import Stack, task_queue_polled
from payment_saga.connections import connect_temporal

CREATE_ATTEMPTS = 5
MEASURED = ("api", "worker", "temporal", "postgres", "kafka", "gateway")
# How much longer than PAYMENTS_IDLE_CLOSE_SECONDS the payments' runs may take to close.
CLOSE_MARGIN_SECONDS = 60.0


@dataclass
class BenchOptions:
    count: int = 300
    concurrency: int = 20
    # Open-loop arrivals per second; None: half the closed loop's throughput (the targets'
    # "half of the maximum").
    rate: float | None = None
    rate_seconds: float = 20.0
    scale: tuple[int, ...] = ()
    # A long closed loop after the others, with memory sampled along it (0: none).
    memory_run: int = 0
    warmup: int = 20
    # Payments sent one at a time, nothing else running: latency without load.
    serial: int = 50
    # How long the stack's idle CPU is sampled, with nothing sent (subtracted over the waits
    # for the runs to close).
    idle_seconds: float = 10.0
    # Where the API's and worker's flame graphs go (None: no profiles).
    profile_dir: Path | None = None


def cpu_ratio(saga: dict[str, float], floor: dict[str, float]) -> float:
    """The headline: the whole stack's CPU seconds per payment over the floor's per workflow
    (the load generator and the gateway simulator left out of both)."""
    floor_spent = stack_cpu(floor)
    return round(stack_cpu(saga) / floor_spent, 2) if floor_spent else 0.0


async def run_benchmark(stack: Stack, options: BenchOptions) -> dict[str, Any]:
    floor_worker = ManagedProcess(
        name="bench-floor",
        argv=[sys.executable, "-m", "devtools.bench.floor_worker"],
        log_path=stack.log_dir / "bench-floor.log",
        env=stack.child_env(),
        cwd=Path(__file__).resolve().parents[2],
    )
    floor_worker.start()
    try:
        await stack.wait_healthy(
            "bench-floor", lambda: task_queue_polled(stack.settings, FLOOR_TASK_QUEUE)
        )
        temporal = await connect_temporal(stack.settings)
        connections = max(options.concurrency, *options.scale, 50) + 10
        async with (
            httpx.AsyncClient(
                base_url=stack.settings.api.base_url(),
                headers={"Authorization": f"Bearer {stack.dev_api_key}", "Prefer": "wait=30"},
                timeout=60,
                limits=httpx.Limits(max_connections=connections),
            ) as api,
            plain_service(stack, connections) as plain,
        ):
            bench = Bench(stack, options, temporal, api, floor_worker.pid or 0, plain)
            return await bench.run()
    finally:
        floor_worker.stop()


@dataclass
class Bench:
    stack: Stack
    options: BenchOptions
    temporal: Client
    api: httpx.AsyncClient
    floor_pid: int
    plain: PlainService
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    phase: str = "warmup"
    # phase -> payment id -> when its create was sent
    started: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    retries: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # CPU seconds per second each process spends with nothing sent (its background work).
    idle: dict[str, float] = field(default_factory=dict)
    # run name -> how long its payments' runs took to close after its last create
    closing_seconds: dict[str, float] = field(default_factory=dict)

    async def floor(self, index: int) -> None:
        workflow_id = f"floor_{self.run_id}_{index}_{uuid.uuid4().hex[:6]}"
        await self.temporal.execute_workflow(
            FloorWorkflow.run, FloorInput(workflow_id), id=workflow_id, task_queue=FLOOR_TASK_QUEUE
        )

    async def saga(self, index: int) -> None:
        """One create as an order service sends it: a 503 is retried with the same key."""
        sent = time.perf_counter()
        key = {"Idempotency-Key": f"bench-{self.run_id}-{uuid.uuid4().hex}"}
        for _ in range(CREATE_ATTEMPTS):
            response = await self.api.post("/v1/payments", json=payment_body(index), headers=key)
            if response.status_code != 503:
                break
            self.retries[self.phase] += 1
            await asyncio.sleep(0.2)
        if response.status_code != 201:
            raise RuntimeError(f"create answered {response.status_code}: {response.text[:200]}")
        self.started[self.phase][response.json()["id"]] = sent

    async def run(self) -> dict[str, Any]:
        events = SucceededEvents(self.stack)
        await events.start()
        try:
            result = await self._phases()
            await asyncio.sleep(2)  # the relay's last events
        finally:
            events.stop()
        for phase in ("saga", "open_loop"):
            result[f"{phase}_create_to_event"] = self._to_event(phase, events.received)
        result["durability_tax"] = durability_tax(result)
        result["create_retries"] = dict(self.retries)
        result["events_missing"] = sum(
            1 for started in self.started.values() for p in started if p not in events.received
        )
        return result

    async def _phases(self) -> dict[str, Any]:
        options = self.options
        await closed_loop("warmup-floor", self.floor, options.warmup, 4)
        await self._closed(closed_loop("warmup-saga", self.saga, options.warmup, 4))
        pids = {name: self.stack.processes[name].pid or 0 for name in MEASURED}
        clocks = {name: partial(cpu_seconds, pid) for name, pid in pids.items()}
        self.idle = await idle_cpu(
            clocks | {"load generator": own_cpu_seconds}, options.idle_seconds
        )
        floor_run, floor_cpu = await cpu_per_call(
            {
                "temporal": clocks["temporal"],
                "floor-worker": partial(cpu_seconds, self.floor_pid),
                "load generator": own_cpu_seconds,
            },
            closed_loop("floor", self.floor, options.count, options.concurrency),
        )
        # Temporal's own latency for the saga's shape (two local activities doing nothing).
        floor_serial = await closed_loop("floor-one-at-a-time", self.floor, options.serial, 1)
        # What eager start could give the saga at most (devtools/bench/eager.py).
        floor_eager = await eager_start_gain(self.temporal, options.serial)
        # Before the saga's loops: no run of theirs is still closing while the plain service
        # is measured.
        plain = await measure_plain(
            self.plain, clocks, count=options.count, concurrency=options.concurrency,
            serial=options.serial, warmup=options.warmup, profile_dir=options.profile_dir,
        )  # fmt: skip
        self.phase = "serial"
        # Without contention, CPU per payment varies far less from run to run than under the
        # closed loop's saturation (idle background work is counted in too).
        serial_run, serial_cpu = await self._measured(
            clocks, closed_loop("saga-one-at-a-time", self.saga, options.serial, 1)
        )
        self.phase = "saga"
        profiled = {"api": pids["api"], "worker": pids["worker"]}
        with (
            MemorySampler(profiled) as memory,
            flame_graphs(profiled, options.profile_dir) as profiles,
        ):
            saga_run, saga_cpu = await self._measured(
                clocks, closed_loop("saga", self.saga, options.count, options.concurrency)
            )
        self.phase = "open_loop"
        rate = options.rate or round(saga_run.throughput / 2, 1)
        open_run = await open_loop("saga-open-loop", self.saga, rate, options.rate_seconds)
        self.phase = "scale"
        scale = [
            (await closed_loop(f"saga@{c}", self.saga, options.count, c)).figures()
            for c in options.scale
        ]
        memory_run = await self._memory_run(pids) if options.memory_run else None
        return plain | {
            "options": options.__dict__ | {"rate": rate, "profile_dir": str(options.profile_dir)},
            "cpu_ratio": cpu_ratio(saga_cpu, floor_cpu),
            "floor": floor_run.figures(),
            "floor_one_at_a_time": floor_serial.figures(),
            "floor_eager_start": floor_eager,
            "saga": saga_run.figures(),
            "one_at_a_time": serial_run.figures(),
            "one_at_a_time_cpu_seconds_per_payment": serial_cpu,
            "profiles": profiles,
            "ratio": round(saga_run.throughput / floor_run.throughput, 3),
            "open_loop": open_run.figures(),
            "floor_cpu_seconds_per_workflow": floor_cpu,
            "cpu_seconds_per_payment": saga_cpu,
            "peak_rss_mb": {name: round(mb, 1) for name, mb in memory.peak_mb.items()},
            "scale": scale,
            "memory_run": memory_run,
            "idle_cpu_seconds_per_second": {k: round(v, 4) for k, v in self.idle.items()},
            "closing_seconds": self.closing_seconds,
        }

    async def _measured(
        self, clocks: dict[str, partial[float]], loop: Coroutine[Any, Any, Run]
    ) -> tuple[Run, dict[str, float]]:
        """The loop's CPU per payment until its runs closed, less each process's idle
        background over the wait for the closes: what the closes cost, not the waiting."""
        run, spent = await cpu_per_call(
            clocks | {"load generator": own_cpu_seconds}, self._closed(loop)
        )
        waited = self.closing_seconds[run.name]
        return run, {
            name: round(max(0.0, seconds - self.idle.get(name, 0.0) * waited / run.count), 4)
            for name, seconds in spent.items()
        }

    async def _closed(self, loop: Coroutine[Any, Any, Run]) -> Run:
        """The loop, then the wait until every payment run it began has closed: a run closes
        PAYMENTS_IDLE_CLOSE_SECONDS after its last work, and that close is part of what a
        payment costs, so the CPU clocks keep running through it."""
        since = datetime.now(UTC) - timedelta(seconds=1)
        run = await loop
        query = (
            "WorkflowType = 'PaymentWorkflow' AND ExecutionStatus = 'Running'"
            f" AND StartTime >= '{since.isoformat().replace('+00:00', 'Z')}'"
        )
        limit = self.stack.settings.payments.idle_close_seconds + CLOSE_MARGIN_SECONDS
        ended = time.monotonic()
        while (await self.temporal.count_workflows(query)).count:
            if time.monotonic() > ended + limit:
                raise RuntimeError(f"{run.name}: payment runs still open {limit:.0f} s after")
            await asyncio.sleep(0.5)
        self.closing_seconds[run.name] = round(time.monotonic() - ended, 1)
        return run

    async def _memory_run(self, pids: dict[str, int]) -> dict[str, Any]:
        self.phase = "memory"
        options = self.options
        with MemorySampler(
            {"api": pids["api"], "worker": pids["worker"]},
            progress=lambda: len(self.started["memory"]),
            every_seconds=max(5.0, options.memory_run / 400),
        ) as memory:
            run = await closed_loop("memory", self.saga, options.memory_run, options.concurrency)
        return {"run": run.figures(), "timeline": memory.timeline}

    def _to_event(self, phase: str, received: dict[str, float]) -> dict[str, Any]:
        started = self.started[phase]
        latencies = [received[p] - sent for p, sent in started.items() if p in received]
        return Run(f"{phase}-create-to-event", len(latencies), 1.0, latencies).figures()
