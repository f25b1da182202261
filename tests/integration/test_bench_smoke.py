"""A small benchmark run, so that the benchmark cannot rot. No thresholds: figures only."""

from __future__ import annotations

from devtools.bench.cli import table
from devtools.bench.run import BenchOptions, run_benchmark
from devtools.stack.stack import Stack


async def test_benchmark_runs_and_reports(stack: Stack) -> None:
    options = BenchOptions(
        count=8, concurrency=2, rate_seconds=1, scale=(3,), warmup=2, serial=3, idle_seconds=1
    )
    result = await run_benchmark(stack, options)

    print("\n" + table(result))
    assert result["saga"]["count"] == 8 and result["floor"]["count"] == 8
    assert result["ratio"] > 0 and result["cpu_ratio"] > 0
    assert result["one_at_a_time"]["count"] == 3 and result["floor_one_at_a_time"]["count"] == 3
    assert result["events_missing"] == 0
    eager = result["floor_eager_start"]
    assert eager["plain"]["count"] == eager["eager"]["count"] == 3
    processes = {"api", "worker", "temporal", "postgres", "kafka", "gateway", "load generator"}
    assert set(result["cpu_seconds_per_payment"]) == processes
    assert set(result["one_at_a_time_cpu_seconds_per_payment"]) == processes
    assert result["options"]["rate"] > 0  # half the closed loop's throughput
    assert result["peak_rss_mb"]["api"] > 0 and result["peak_rss_mb"]["worker"] > 0
    assert result["plain"]["count"] == 8 and result["plain_one_at_a_time"]["count"] == 3
    assert set(result["plain_cpu_seconds_per_payment"]) == {
        "plain", "postgres", "kafka", "gateway", "load generator",
    }  # fmt: skip
    assert all(ratio > 0 for ratio in result["durability_tax"].values())
