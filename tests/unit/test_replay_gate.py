"""The replay gate (payment-saga workflows replay-check) on the committed histories: main
replays them all; a planted non-deterministic change is caught, each run named."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.client import WorkflowHistory

from payment_saga.ops.replay import replay, runs_to_check
from tests.keys import keyed_data_converter
from tests.unit.planted_workflow import PlantedPaymentWorkflow
from workflows.reconciliation import ReconciliationWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").rglob("*.json"))


async def corpus() -> AsyncIterator[WorkflowHistory]:
    for path in HISTORIES:
        yield WorkflowHistory.from_json(path.stem, path.read_text())


async def test_main_replays_every_recorded_history() -> None:
    report = await replay(corpus(), keyed_data_converter())
    assert report.replayed == len(HISTORIES)
    assert report.failures == []


async def test_a_planted_non_deterministic_change_is_caught() -> None:
    planted = [PlantedPaymentWorkflow, ReconciliationWorkflow]
    report = await replay(corpus(), keyed_data_converter(), planted)
    assert report.replayed == len(HISTORIES)
    payment_runs = {path.stem for path in HISTORIES if path.parent.name != "reconciliation"}
    assert {failure.workflow_id for failure in report.failures} == payment_runs
    assert all("ondeterminism" in failure.message for failure in report.failures)


def test_the_gate_asks_for_open_runs_and_those_closed_in_the_window() -> None:
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    query = runs_to_check(timedelta(hours=24), now)
    assert query == (
        "WorkflowType IN ('PaymentWorkflow', 'ReconciliationWorkflow')"
        " AND (ExecutionStatus = 'Running'"
        " OR CloseTime > '2026-12-05T12:00:00Z')"
        " AND TemporalWorkflowVersioningBehavior IS NULL"
    )
