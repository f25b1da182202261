"""The plain baseline's side of the benchmark (#31): the service an order-service team would
write without durability (devtools/bench/plain.py), started in the same stack and measured the
same way as the saga (one at a time, then the closed loop, CPU per payment of each process, a
flame graph when the saga gets one), so every run prints the durability tax beside the figures.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from devtools.bench.measure import closed_loop, cpu_per_call, cpu_seconds, own_cpu_seconds
from devtools.bench.plain import TOPIC
from devtools.bench.profile import flame_graphs
from devtools.stack.kafka import kafka_ready
from devtools.stack.ports import free_port
from devtools.stack.process import ManagedProcess
from devtools.stack.stack import Stack, http_ok
from devtools.testservers.simulator.books import APPROVED_CARDS

# Three-digit-CVC approved cards.
APPROVED = APPROVED_CARDS[:3]
# The processes both services share; the gateway simulator stands in for a processor, so it is
# reported apart and left out of the stack's sums, as the load generator is.
SHARED = ("postgres", "kafka", "gateway")
NOT_THE_STACK = ("load generator", "gateway")


def payment_body(index: int) -> dict[str, Any]:
    card = {"number": APPROVED[index % 3], "exp_month": 12, "exp_year": 2031, "cvc": "123"}
    return {
        "order_id": f"bench_{index}",
        "amount": 1000 + index,
        "currency": "USD",
        "payment_method": {"type": "card", "card": card},
    }


@dataclass
class PlainService:
    api: httpx.AsyncClient
    pid: int

    async def pay(self, index: int) -> None:
        key = {"Idempotency-Key": f"plain-{uuid.uuid4().hex}"}
        response = await self.api.post("/payments", json=payment_body(index), headers=key)
        if response.status_code != 201:
            raise RuntimeError(f"plain answered {response.status_code}: {response.text[:200]}")


@asynccontextmanager
async def plain_service(stack: Stack, connections: int) -> AsyncIterator[PlainService]:
    """The plain service on a free port of the stack, with its own topic."""
    own_topic = stack.settings.model_copy(deep=True)
    own_topic.kafka.topic = TOPIC
    await kafka_ready(own_topic)
    port = free_port()
    process = ManagedProcess(
        name="bench-plain",
        argv=[sys.executable, "-m", "devtools.bench.plain", str(port)],
        log_path=stack.log_dir / "bench-plain.log",
        env=stack.child_env(),
        cwd=Path(__file__).resolve().parents[2],
    )
    process.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        await stack.wait_healthy("bench-plain", lambda: http_ok(f"{base_url}/health"))
        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as api:
            yield PlainService(api, process.pid or 0)
    finally:
        process.stop()


async def measure_plain(
    plain: PlainService,
    shared: Mapping[str, Callable[[], float]],
    *,
    count: int,
    concurrency: int,
    serial: int,
    warmup: int,
    profile_dir: Path | None,
) -> dict[str, Any]:
    """The plain service one at a time and in the closed loop, as the saga is measured."""
    clocks: dict[str, Callable[[], float]] = {
        "plain": partial(cpu_seconds, plain.pid),
        **{name: shared[name] for name in SHARED},
        "load generator": own_cpu_seconds,
    }
    await closed_loop("warmup-plain", plain.pay, warmup, 4)
    serial_run, serial_cpu = await cpu_per_call(
        clocks, closed_loop("plain-one-at-a-time", plain.pay, serial, 1)
    )
    with flame_graphs({"plain": plain.pid}, profile_dir) as profiles:
        loop_run, loop_cpu = await cpu_per_call(
            clocks, closed_loop("plain", plain.pay, count, concurrency)
        )
    return {
        "plain": loop_run.figures(),
        "plain_one_at_a_time": serial_run.figures(),
        "plain_cpu_seconds_per_payment": loop_cpu,
        "plain_one_at_a_time_cpu_seconds_per_payment": serial_cpu,
        "plain_profiles": profiles,
    }


def stack_cpu(spent: dict[str, float]) -> float:
    """CPU seconds per payment of the service's own stack: not the load generator, not the
    gateway simulator."""
    return sum(seconds for name, seconds in spent.items() if name not in NOT_THE_STACK)


def _ratio(saga: float, plain: float) -> float:
    return round(saga / plain, 2) if plain else 0.0


def durability_tax(result: dict[str, Any]) -> dict[str, float]:
    """The saga's figures as ratios to the plain service's, measured in the same run."""
    saga_serial, plain_serial = result["one_at_a_time"], result["plain_one_at_a_time"]
    return {
        "one_at_a_time_p50": _ratio(saga_serial["p50_ms"], plain_serial["p50_ms"]),
        "one_at_a_time_p99": _ratio(saga_serial["p99_ms"], plain_serial["p99_ms"]),
        "closed_loop_throughput": _ratio(
            result["saga"]["per_second"], result["plain"]["per_second"]
        ),
        "cpu_per_payment": _ratio(
            stack_cpu(result["cpu_seconds_per_payment"]),
            stack_cpu(result["plain_cpu_seconds_per_payment"]),
        ),
    }
