"""`payment-saga-stack`: run the whole stack in the foreground, say where it is, stop on Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import sys

from devtools.stack.stack import Stack
from payment_saga.config import Settings
from payment_saga.shutdown import sleep_unless_stopped, stop_on_signals

SUPERVISE_INTERVAL_SECONDS = 2.0


def format_table(rows: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name.ljust(width)}  {where}" for name, where in rows)


async def run(stack: Stack, stop: asyncio.Event) -> None:
    print("starting Temporal, PostgreSQL and Kafka (first run downloads Kafka's jars)...")
    await stack.start()
    print("payment-saga is up:\n" + format_table(stack.locations()) + "\nCtrl-C stops everything.")
    sys.stdout.flush()
    while not stop.is_set():
        for event in await stack.supervise_once():
            print(f"supervisor: {event}", flush=True)
        await sleep_unless_stopped(stop, SUPERVISE_INTERVAL_SECONDS)


def stack_settings() -> Settings:
    """The developer's settings: the worker runs versioned, and PayPal payments are taken,
    unless they say otherwise."""
    settings = Settings()
    if "versioning" not in settings.worker.model_fields_set:
        settings.worker.versioning = True
    if "paypal" not in settings.gateway.model_fields_set:
        # A newcomer can try PayPal too, through the PayPal test server.
        settings.gateway.paypal = True
    return settings


async def main_async() -> int:
    stack = Stack(stack_settings())
    stop = stop_on_signals()
    runner = asyncio.create_task(run(stack, stop))
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    runner.cancel()
    stopper.cancel()
    print("stopping...", flush=True)
    await asyncio.to_thread(stack.stop)
    if runner in done and runner.exception() is not None:
        print(f"start failed: {runner.exception()}", file=sys.stderr)
        return 1
    print("stopped; nothing left running.")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", nargs="?", default="up", choices=["up"])
    parser.parse_args()
    sys.exit(asyncio.run(main_async()))


if __name__ == "__main__":
    main()
