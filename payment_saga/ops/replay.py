"""The replay gate: before a deploy, the histories of the runs that are open (payments and
settlement reconciliations), and of those closed recently, replayed with the code about to be
deployed. A run the new code would replay differently (non-determinism) would fail on the new
workers; the gate names it, with the event and the command that differ, and says no
(`payment-saga workflows replay-check`; docs/operations.md, "Deploying new workflow code")."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.runtime import Runtime
from temporalio.worker import Replayer

from workflows.payment import PaymentWorkflow
from workflows.reconciliation import ReconciliationWorkflow
from workflows.sandbox import sandbox_runner

# Runs closed this long ago or less are replayed too: a change that breaks only a path they
# took (a refund, a cancel) shows there before an open run takes it.
DEFAULT_CLOSED_WITHIN = timedelta(hours=24)
# The most runs one check replays; the newest first, as the cluster lists them.
DEFAULT_LIMIT = 1000


@dataclass(frozen=True)
class ReplayFailure:
    workflow_id: str
    run_id: str
    # The SDK's account of it: for non-determinism, the event id and the command that differs.
    message: str


@dataclass
class ReplayReport:
    # The runs replayed, by workflow id.
    workflow_ids: list[str] = field(default_factory=list)
    failures: list[ReplayFailure] = field(default_factory=list)

    @property
    def replayed(self) -> int:
        return len(self.workflow_ids)


def runs_to_check(closed_within: timedelta, now: datetime | None = None) -> str:
    """The visibility query: every open payment run, and those closed within the window, that
    the code being deployed may run: a run begun on a versioned worker is pinned to that
    build and never meets other code (docs/deployment.md, "Upgrades")."""
    since = (now or datetime.now(UTC)) - closed_within
    return (
        f"WorkflowType IN ('{PaymentWorkflow.__name__}', '{ReconciliationWorkflow.__name__}')"
        " AND (ExecutionStatus = 'Running'"
        f" OR CloseTime > '{since.strftime('%Y-%m-%dT%H:%M:%SZ')}')"
        " AND TemporalWorkflowVersioningBehavior IS NULL"
    )


async def replay(
    histories: AsyncIterator[WorkflowHistory],
    data_converter: DataConverter,
    workflows: Sequence[type] = (PaymentWorkflow, ReconciliationWorkflow),
    runtime: Runtime | None = None,
) -> ReplayReport:
    """Replay each history in the strict sandbox with `workflows` (the code being deployed),
    on `runtime` (None: the SDK's default, which prints the core's warnings to stdout)."""
    replayer = Replayer(
        workflows=list(workflows),
        workflow_runner=sandbox_runner(),
        data_converter=data_converter,
        runtime=runtime,
    )
    report = ReplayReport()
    async with replayer.workflow_replay_iterator(histories) as results:
        async for result in results:
            history = result.history
            report.workflow_ids.append(history.workflow_id)
            if result.replay_failure is not None:
                report.failures.append(
                    ReplayFailure(history.workflow_id, history.run_id, str(result.replay_failure))
                )
    return report


async def replay_check(
    client: Client,
    closed_within: timedelta = DEFAULT_CLOSED_WITHIN,
    limit: int = DEFAULT_LIMIT,
    workflows: Sequence[type] = (PaymentWorkflow, ReconciliationWorkflow),
    runtime: Runtime | None = None,
) -> ReplayReport:
    """Fetch the runs to check from the cluster the client points at, and replay them."""
    listed = client.list_workflows(runs_to_check(closed_within), limit=limit)
    return await replay(listed.map_histories(), client.data_converter, workflows, runtime)
