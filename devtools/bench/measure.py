"""Load shapes and what is measured: latencies, throughput, CPU seconds and peak memory."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import psutil

Call = Callable[[int], Awaitable[None]]


@dataclass
class Run:
    name: str
    count: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, q: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1]

    def figures(self) -> dict[str, float | int | str]:
        return {
            "name": self.name,
            "count": self.count,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50) * 1000, 1),
            "p95_ms": round(self.percentile(95) * 1000, 1),
            "p99_ms": round(self.percentile(99) * 1000, 1),
        }


async def _timed(call: Call, index: int, latencies: list[float]) -> None:
    started = time.perf_counter()
    await call(index)
    latencies.append(time.perf_counter() - started)


async def closed_loop(name: str, call: Call, count: int, concurrency: int) -> Run:
    """`concurrency` callers, each starting the next call when its last one ends."""
    latencies: list[float] = []
    indexes = iter(range(count))

    async def caller() -> None:
        for index in indexes:
            await _timed(call, index, latencies)

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return Run(name, count, time.perf_counter() - started, latencies)


async def open_loop(name: str, call: Call, rate: float, seconds: float) -> Run:
    """Arrivals at a fixed rate for a bounded time, whatever the latency."""
    latencies: list[float] = []
    count = max(1, int(rate * seconds))
    started = time.perf_counter()
    tasks = []
    for index in range(count):
        await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(_timed(call, index, latencies)))
    await asyncio.gather(*tasks)
    return Run(name, count, time.perf_counter() - started, latencies)


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(pid: int) -> float:
    total = 0.0
    for process in _tree(pid):
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def own_cpu_seconds() -> float:
    """This process alone (its children are the stack under test)."""
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


async def cpu_per_call(
    clocks: dict[str, Callable[[], float]], run: Coroutine[Any, Any, Run]
) -> tuple[Run, dict[str, float]]:
    """The run, and the CPU seconds each clock (a process tree) counted per call meanwhile."""
    before = {name: clock() for name, clock in clocks.items()}
    result = await run
    spent = {name: clock() - before[name] for name, clock in clocks.items()}
    return result, {name: round(seconds / result.count, 4) for name, seconds in spent.items()}


async def idle_cpu(clocks: dict[str, Callable[[], float]], seconds: float) -> dict[str, float]:
    """CPU seconds per second each clock counts while nothing is sent."""
    before = {name: clock() for name, clock in clocks.items()}
    await asyncio.sleep(seconds)
    return {name: (clock() - before[name]) / seconds for name, clock in clocks.items()}


@dataclass
class MemorySampler:
    """Peak resident memory of some process trees, sampled while a run goes on; with
    `progress`, also a timeline (every `every_seconds`) of memory against calls done."""

    pids: dict[str, int]
    progress: Callable[[], int] | None = None
    every_seconds: float = 10.0
    peak_mb: dict[str, float] = field(default_factory=dict)
    timeline: list[dict[str, float]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _started: float = field(default_factory=time.monotonic)

    def sample(self, last: bool = False) -> None:
        now_mb = {}
        for name, pid in self.pids.items():
            rss = sum(p.memory_info().rss for p in _tree(pid) if p.is_running())
            now_mb[name] = round(rss / 2**20, 1)
            self.peak_mb[name] = max(self.peak_mb.get(name, 0.0), rss / 2**20)
        elapsed = time.monotonic() - self._started
        due = (
            last
            or not self.timeline
            or elapsed - self.timeline[-1]["seconds"] >= self.every_seconds
        )
        if self.progress is not None and due:
            self.timeline.append({"seconds": round(elapsed), "calls": self.progress(), **now_mb})

    async def _loop(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(0.2)

    def __enter__(self) -> MemorySampler:
        self._task = asyncio.get_running_loop().create_task(self._loop())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self.sample(last=True)
