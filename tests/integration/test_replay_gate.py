"""The replay gate against the live dev server: the runs it lists (open, and closed within the
window) replay with this code; with a planted non-deterministic change they do not, each named."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio.client import Client

from payment_saga.ops.replay import ReplayReport, replay_check
from tests.integration.conftest import Payments
from tests.unit.planted_workflow import PlantedPaymentWorkflow
from workflows.payment import PaymentWorkflow
from workflows.reconciliation import ReconciliationWorkflow

# Runs closed this recently, and every open one: the run started here is among them.
WINDOW = timedelta(minutes=5)
LIMIT = 500


async def listed(temporal: Client, workflow_id: str, planted: bool = False) -> ReplayReport:
    """The gate's report once the cluster's visibility lists the run (it may lag its close)."""
    payment: type = PlantedPaymentWorkflow if planted else PaymentWorkflow
    workflows = [payment, ReconciliationWorkflow]
    for _ in range(40):
        report = await replay_check(temporal, WINDOW, LIMIT, workflows)
        if workflow_id in report.workflow_ids:
            return report
        await asyncio.sleep(0.5)
    raise AssertionError(f"{workflow_id} was never listed")


async def test_the_gate_passes_main_and_catches_a_planted_change(
    payments: Payments, temporal: Client
) -> None:
    handle = await payments.start("4242424242424242", refund_window_seconds=1)
    await handle.result()

    main = await listed(temporal, handle.id)
    # Every run on the shared server, this one and the other tests' (tests/unit/replay_findings
    # holds the one shape that did not replay once).
    assert main.failures == []

    planted = await listed(temporal, handle.id, planted=True)
    caught = {failure.workflow_id: failure.message for failure in planted.failures}
    assert "Nondeterminism" in caught[handle.id]
    # Every payment run breaks, and each is named; the reconciliations' code did not change.
    payment_runs = {run for run in planted.workflow_ids if not run.startswith("reconciliation:")}
    assert {failure.workflow_id for failure in planted.failures} == payment_runs
