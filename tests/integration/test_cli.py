"""The operator CLI against the running stack."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.service import RPCError

from devtools.stack.stack import Stack
from payment_saga.db.repository import PaymentRepository
from payment_saga.db.session import SessionFactory
from payment_saga.domain.states import CaptureMethod
from tests.integration.conftest import Payments
from tests.integration.test_saga_steering import until_status
from workflows.payment import PaymentWorkflow


def run_cli(stack: Stack, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "payment_saga.ops.cli.main", "--json", *args],
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
    created = await asyncio.to_thread(cli, stack, "apikeys", "create", "--name", "cli-test")
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


async def test_payments_list_show_cancel(stack: Stack, payments: Payments) -> None:
    order = f"ord_cli_{uuid.uuid4().hex[:8]}"
    handle = await payments.start(
        "4242424242424242", capture_method=CaptureMethod.MANUAL, order_id=order
    )
    await until_status(handle, "authorized")

    listed = await asyncio.to_thread(cli, stack, "payments", "list", "--order-id", order)
    assert [(p["id"], p["status"]) for p in listed] == [(handle.id, "authorized")]
    shown = (await asyncio.to_thread(cli, stack, "payments", "show", handle.id))[0]
    assert shown["workflow"] == {"status": "running", "state": "authorized"}
    assert shown["attempts"][0].split()[1:3] == ["authorize", "succeeded"]
    canceled = (await asyncio.to_thread(cli, stack, "payments", "cancel", handle.id))[0]
    assert canceled["status"] == "canceled"


async def test_reconcile_finds_and_repairs_a_payment_without_workflow(
    stack: Stack, payments: Payments, sessions: SessionFactory, temporal: Client
) -> None:
    # A row whose workflow never started (as if the API died between the two).
    request = await payments.request("4242424242424242")
    async with sessions.begin() as session:
        await PaymentRepository(session).add_if_missing(request)

    report = await asyncio.to_thread(cli, stack, "payments", "reconcile", "--older-than", "0s")
    mine = next(r for r in report if r["id"] == request.payment_id)
    assert (mine["workflow"], mine["gateway"]) == ("missing", "nothing")
    assert "--repair" in mine["action"]

    repaired = await asyncio.to_thread(
        cli, stack, "payments", "reconcile", "--older-than", "0s", "--repair"
    )
    mine = next(r for r in repaired if r["id"] == request.payment_id)
    assert mine["action"] == "new run started from the row"
    handle = temporal.get_workflow_handle_for(PaymentWorkflow.run, request.payment_id)
    await until_status(handle, "captured")


async def test_reconcile_leaves_a_settled_payment_without_workflow_alone(
    stack: Stack, payments: Payments, sessions: SessionFactory, temporal: Client
) -> None:
    """A captured payment whose runs are gone (past Temporal's retention) is at rest: its next
    request starts a run from the row. It was once restarted from an empty ledger."""
    request = await payments.request("4242424242424242")
    async with sessions.begin() as session:
        await PaymentRepository(session).add_if_missing(request)
        payment = await PaymentRepository(session).get(request.payment_id)
        assert payment is not None
        payment.status, payment.amount_authorized, payment.amount_captured = "captured", 2500, 2500

    repaired = await asyncio.to_thread(
        cli, stack, "payments", "reconcile", "--older-than", "0s", "--repair"
    )
    assert request.payment_id not in [r["id"] for r in repaired]
    with pytest.raises(RPCError):
        await temporal.get_workflow_handle(request.payment_id).describe()


async def test_resolve_is_refused_for_a_payment_whose_outcome_is_known(
    stack: Stack, payments: Payments
) -> None:
    handle = await payments.start("4242424242424242")
    await until_status(handle, "captured")
    with pytest.raises(subprocess.CalledProcessError) as refused:
        await asyncio.to_thread(run_cli, stack, "payments", "resolve", handle.id)
    assert "payment_not_unresolved" in refused.value.stderr


async def test_workflows_replay_check_reports_and_exits_by_what_it_found(
    stack: Stack, payments: Payments
) -> None:
    """The replay gate as an operator runs it: a JSON report, exit 0 on main (every run on
    this server replays, the other tests' too), exit 1 exactly when a run would not."""
    handle = await payments.start("4242424242424242", refund_window_seconds=1)
    await handle.result()
    words = ["workflows", "replay-check", "--closed-within-hours", "0.1", "--limit", "50"]
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "payment_saga.ops.cli.main", "--json", *words],
        env={**stack.child_env(), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(done.stdout)  # the SDK's warnings go to stderr, not into the report
    assert report["replayed"] >= 1
    assert report["failures"] == []
    assert done.returncode == 0
