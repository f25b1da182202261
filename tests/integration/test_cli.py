"""The operator CLI against the running stack."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

from stack.stack import Stack
from tests.integration.conftest import Payments


def run_cli(stack: Stack, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "--json", *args],
        env={**stack.child_env(), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def cli(stack: Stack, *args: str) -> Any:
    return json.loads(run_cli(stack, *args))


async def test_apikeys_create_list_revoke(stack: Stack) -> None:
    created = (await asyncio.to_thread(cli, stack, "apikeys", "create", "--name", "cli-test"))[0]
    assert created["key"].startswith("sk_")
    listed = await asyncio.to_thread(cli, stack, "apikeys", "list")
    row = next(k for k in listed if k["id"] == created["id"])
    assert row["revoked_at"] == "" and "key" not in row
    await asyncio.to_thread(cli, stack, "apikeys", "revoke", created["id"])
    listed = await asyncio.to_thread(cli, stack, "apikeys", "list")
    assert next(k for k in listed if k["id"] == created["id"])["revoked_at"] != ""


async def test_events_tail_filters_by_payment(stack: Stack, payments: Payments) -> None:
    handle = await payments.start("4242424242424242", refund_window_seconds=1)
    await handle.result()
    tail = ["events", "tail", "--from-beginning", "--payment", handle.id, "--max", "2"]
    output = await asyncio.to_thread(run_cli, stack, *tail, "--idle-seconds", "20")
    events = [json.loads(line) for line in output.splitlines()]
    assert [e["type"] for e in events] == ["payment.authorized", "payment.succeeded"]
