"""ReconciliationWorkflow under the time-skipping test server (#32): it waits for a report that
is late, looking again on its schedule, and ends saying so when none comes within the wait; it
pages through a report, recording each page once, then looks for what is missing and
escalates what stayed open too long."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from payment_saga.domain.reconciliation import (
    EscalateAnswer,
    EscalateRequest,
    MissingAnswer,
    MissingRequest,
    PageRequest,
    ReconcileInput,
    ReconcileResult,
    RecordAnswer,
    RecordRequest,
)
from payment_saga.processors.port import SettlementItem, SettlementPage
from tests.unit.workflow_fakes import start_env
from workflows.reconciliation import ReconciliationWorkflow
from workflows.sandbox import sandbox_runner

HOUR = 3600


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async for environment in start_env():
        yield environment


def settled(item_id: str) -> SettlementItem:
    return SettlementItem(item_id, "capture", "auth", "cap", 100, 33, 67, "EUR", "2026-12-06", "po")


@dataclass
class Processor:
    """A report that is not ready for `late` looks, then has `items` in pages of two."""

    late: int
    items: list[SettlementItem]
    looks: int = 0
    recorded: list[list[str]] = field(default_factory=list)
    escalated_as_of: list[str] = field(default_factory=list)

    @activity.defn(name="read_settlement_page")
    async def read(self, data: PageRequest) -> SettlementPage:
        self.looks += 1
        if self.looks <= self.late:
            return SettlementPage([], has_more=False, ready=False)
        ids = [item.item_id for item in self.items]
        start = ids.index(data.starting_after) + 1 if data.starting_after else 0
        return SettlementPage(self.items[start : start + 2], has_more=start + 2 < len(ids))

    @activity.defn(name="record_settlements")
    async def record(self, data: RecordRequest) -> RecordAnswer:
        self.recorded.append([item.item_id for item in data.items])
        return RecordAnswer(len(data.items), 0)

    @activity.defn(name="find_missing")
    async def missing(self, data: MissingRequest) -> MissingAnswer:
        return MissingAnswer(1)

    @activity.defn(name="escalate_overdue")
    async def escalate(self, data: EscalateRequest) -> EscalateAnswer:
        self.escalated_as_of.append(data.day)
        return EscalateAnswer(2)


async def reconciled(env: WorkflowEnvironment, processor: Processor, wait: int) -> ReconcileResult:
    queue = f"reconcile-{uuid.uuid4().hex[:8]}"
    async with Worker(
        env.client, task_queue=queue, workflows=[ReconciliationWorkflow],
        activities=[processor.read, processor.record, processor.missing, processor.escalate],
        workflow_runner=sandbox_runner(),
    ):  # fmt: skip
        return await env.client.execute_workflow(
            ReconciliationWorkflow.run,
            ReconcileInput("simulator", "2026-12-06", report_wait_seconds=wait,
                           report_look_seconds=HOUR),
            id=f"reconciliation:{queue}", task_queue=queue,
        )  # fmt: skip


async def test_a_late_report_is_waited_for_then_paged_through(env: WorkflowEnvironment) -> None:
    processor = Processor(late=3, items=[settled(f"st_{n}") for n in range(5)])

    result = await reconciled(env, processor, wait=6 * HOUR)

    assert processor.looks == 3 + 3  # three late looks an hour apart, then three pages
    assert processor.recorded == [["st_0", "st_1"], ["st_2", "st_3"], ["st_4"]]
    assert (result.report_ready, result.items, result.settled, result.missing) == (
        True, 5, 5, 1,
    )  # fmt: skip
    # What stayed open too long escalates as of the day reconciled, after the matching.
    assert processor.escalated_as_of == ["2026-12-06"] and result.escalated == 2


async def test_a_report_that_never_comes_ends_the_run_saying_so(env: WorkflowEnvironment) -> None:
    processor = Processor(late=100, items=[])

    result = await reconciled(env, processor, wait=3 * HOUR)

    assert not result.report_ready and processor.looks == 4
    assert processor.recorded == [] and processor.escalated_as_of == []
