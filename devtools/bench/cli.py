"""`payment-saga-bench`: start a fresh stack on free ports, benchmark it, print and save figures."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from devtools.bench.run import BenchOptions, run_benchmark
from devtools.stack.ports import isolated
from devtools.stack.stack import Stack
from payment_saga.config import Settings


def table(result: dict[str, Any]) -> str:
    def latency(run: dict[str, Any]) -> str:
        return f"{run['p50_ms']} / {run['p95_ms']} / {run['p99_ms']} ms"

    tax = result["durability_tax"]
    rows = [
        (
            "durability tax, one at a time p50 / p99 (saga / plain)",
            f"{tax['one_at_a_time_p50']}x / {tax['one_at_a_time_p99']}x",
        ),
        (
            "durability tax, closed-loop throughput (saga / plain)",
            f"{tax['closed_loop_throughput']}x",
        ),
        ("durability tax, stack CPU per payment (saga / plain)", f"{tax['cpu_per_payment']}x"),
        ("CPU ratio: stack s/payment over floor s/workflow", result["cpu_ratio"]),
        ("one at a time: waited create p50 / p95 / p99", latency(result["one_at_a_time"])),
        ("plain, one at a time p50 / p95 / p99", latency(result["plain_one_at_a_time"])),
        ("floor, one at a time p50 / p95 / p99", latency(result["floor_one_at_a_time"])),
        (
            "floor in this process, plain start / eager start, p50",
            f"{result['floor_eager_start']['plain']['p50_ms']} /"
            f" {result['floor_eager_start']['eager']['p50_ms']} ms"
            f" (eager start saves {result['floor_eager_start']['p50_gain_ms']} ms;"
            f" taken eagerly: {result['floor_eager_start']['eager_accepted']})",
        ),
        ("saga throughput (payments/s)", result["saga"]["per_second"]),
        ("plain throughput (payments/s)", result["plain"]["per_second"]),
        ("plain p50 / p95 / p99", latency(result["plain"])),
        ("floor throughput (workflows/s)", result["floor"]["per_second"]),
        ("ratio saga / floor", result["ratio"]),
        ("waited create p50 / p95 / p99", latency(result["saga"])),
        ("floor workflow p50 / p95 / p99", latency(result["floor"])),
        (
            f"open loop @ {result['options']['rate']}/s p50 / p95 / p99",
            latency(result["open_loop"]),
        ),
        ("create -> payment.succeeded p50 / p95 / p99", latency(result["saga_create_to_event"])),
        (
            "open loop: create -> payment.succeeded",
            latency(result["open_loop_create_to_event"]),
        ),
        ("events missing", result["events_missing"]),
        ("creates retried after a 503, by phase", result.get("create_retries") or "none"),
    ]
    rows += [(f"CPU s/payment: {k}", v) for k, v in result["cpu_seconds_per_payment"].items()]
    rows += [
        (f"plain CPU s/payment: {k}", v)
        for k, v in result.get("plain_cpu_seconds_per_payment", {}).items()
    ]
    rows += [
        (f"floor CPU s/workflow: {k}", v)
        for k, v in result.get("floor_cpu_seconds_per_workflow", {}).items()
    ]
    rows += [
        (f"one at a time, CPU s/payment: {k}", v)
        for k, v in result.get("one_at_a_time_cpu_seconds_per_payment", {}).items()
    ]
    rows += [(f"peak RSS MB: {k}", v) for k, v in result["peak_rss_mb"].items()]
    rows += [
        (f"scale {s['name']}", f"{s['per_second']}/s, p99 {s['p99_ms']} ms")
        for s in result["scale"]
    ]
    if result.get("memory_run"):
        timeline = result["memory_run"]["timeline"]
        for point in [*timeline[:: max(1, len(timeline) // 6)], timeline[-1]]:
            rows.append(
                (
                    f"RSS MB api / worker after {int(point['calls'])} payments",
                    f"{point['api']} / {point['worker']}",
                )
            )
    graphs = (result.get("profiles") or {}) | (result.get("plain_profiles") or {})
    rows += [(f"flame graph: {k}", v) for k, v in graphs.items()]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


async def main_async(options: BenchOptions, out: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="payment-saga-bench-") as data_dir:
        settings = isolated(Settings())
        settings.stack.data_dir = Path(data_dir)
        settings.api.rate_limit_per_minute = settings.api.rate_limit_burst = 10**9
        stack = Stack(settings)
        await stack.start()
        try:
            result = await run_benchmark(stack, options)
        finally:
            stack.stop()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300, help="payments (and floor workflows)")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--rate", type=float, help="open-loop arrivals/s (default: half the closed loop's)"
    )
    parser.add_argument("--rate-seconds", type=float, default=20.0)
    parser.add_argument("--scale", default="", help="extra concurrencies, e.g. 5,10,40")
    parser.add_argument(
        "--memory-run", type=int, default=0, help="payments of a last run sampling memory"
    )
    parser.add_argument("--serial", type=int, default=50, help="payments sent one at a time")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy flame graphs")
    parser.add_argument("--out", type=Path, default=Path("bench-results/latest.json"))
    args = parser.parse_args()
    options = BenchOptions(
        count=args.count,
        concurrency=args.concurrency,
        rate=args.rate,
        rate_seconds=args.rate_seconds,
        scale=tuple(int(c) for c in args.scale.split(",") if c),
        memory_run=args.memory_run,
        serial=args.serial,
        profile_dir=None if args.no_profile else args.out.parent / "profiles",
    )
    result = asyncio.run(main_async(options, args.out))
    print(table(result))
    print(f"\nfigures saved to {args.out}")


if __name__ == "__main__":
    main()
