"""ReconciliationWorkflow: one run per processor and settlement day (#32;
workflow id `reconciliation:<processor>:<day>`).

It waits for the day's report (a processor publishes it after its cut-off, sometimes late),
pages through it, matches each page to our captures and refunds in one activity step, looks
for ours that the report should have settled and did not, then escalates what has stayed open
too long. Every write is keyed by what it
is about, so reconciling the same day again gives the same rows: the run is safe to repeat.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributeUpdate

from workflows import search_attributes as attrs

with workflow.unsafe.imports_passed_through():
    from activities.reconciliation import ReconciliationActivities
    from payment_saga.domain.reconciliation import (
        EscalateRequest,
        MissingRequest,
        PageRequest,
        ReconcileInput,
        ReconcileResult,
        RecordRequest,
    )
    from payment_saga.processors.port import SettlementPage

# A processor's report API: its outages are retried for a while, then the run fails for an
# operator to start again (the run repeats safely).
REPORT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=20,
    non_retryable_error_types=["settlement_not_supported"],
)
STEP_TIMEOUT = timedelta(seconds=60)
# Set by Temporal on a run its schedule started: when the schedule fired.
SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")


@workflow.defn(name="ReconciliationWorkflow")
class ReconciliationWorkflow:
    @workflow.run
    async def run(self, data: ReconcileInput) -> ReconcileResult:
        data = replace(data, day=data.day or _fired_on())
        _upsert(
            attrs.RECONCILIATION_PROCESSOR.value_set(data.processor),
            attrs.SETTLEMENT_DATE.value_set(datetime.fromisoformat(data.day).replace(tzinfo=UTC)),
            attrs.RECONCILIATION_STATE.value_set("waiting_for_report"),
        )
        first = await self._first_page(data)
        if first is None:
            _upsert(attrs.RECONCILIATION_STATE.value_set("report_missing"))
            return ReconcileResult(data.processor, data.day, report_ready=False)
        _upsert(attrs.RECONCILIATION_STATE.value_set("matching"))
        items, settled, opened = await self._record_every_page(data, first)
        missing = await workflow.execute_activity_method(
            ReconciliationActivities.find_missing,
            MissingRequest(data.processor, data.day),
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=REPORT_RETRY,
        )
        escalated = await workflow.execute_activity_method(
            ReconciliationActivities.escalate_overdue,
            EscalateRequest(data.processor, data.day),
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=REPORT_RETRY,
        )
        _upsert(
            attrs.RECONCILIATION_STATE.value_set("reconciled"),
            attrs.DISCREPANCIES_FOUND.value_set(opened + missing.missing > 0),
        )
        return ReconcileResult(
            data.processor, data.day, True, items, settled, opened, missing.missing,
            escalated.escalated,
        )  # fmt: skip

    async def _record_every_page(
        self, data: ReconcileInput, page: SettlementPage
    ) -> tuple[int, int, int]:
        """Each page recorded in one step, the next read after it: the items seen, those
        recorded for the first time, and the discrepancies opened."""
        items = settled = opened = 0
        while True:
            items += len(page.items)
            recorded = await workflow.execute_activity_method(
                ReconciliationActivities.record_settlements,
                RecordRequest(data.processor, data.day, page.items),
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=REPORT_RETRY,
            )
            settled, opened = settled + recorded.settled, opened + recorded.discrepancies
            if not page.has_more or not (page.items or page.cursor):
                return items, settled, opened
            page = await self._page(data, page.cursor or page.items[-1].item_id)

    async def _first_page(self, data: ReconcileInput) -> SettlementPage | None:
        """The report's first page once it is there; None when it is not within the wait."""
        waited = 0
        while True:
            page = await self._page(data, None)
            if page.ready:
                return page
            if waited >= data.report_wait_seconds:
                return None
            workflow.set_current_details(f"waiting for {data.processor}'s report of {data.day}")
            await workflow.sleep(timedelta(seconds=data.report_look_seconds))
            waited += data.report_look_seconds

    async def _page(self, data: ReconcileInput, starting_after: str | None) -> SettlementPage:
        return await workflow.execute_activity_method(
            ReconciliationActivities.read_settlement_page,
            PageRequest(data.processor, data.day, starting_after),
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=REPORT_RETRY,
        )


def _upsert(*updates: SearchAttributeUpdate[Any]) -> None:
    """Operators find runs by these (docs/operations.md, "Settlement reconciliation")."""
    workflow.upsert_search_attributes(list(updates))


def _fired_on() -> str:
    """A scheduled run's day: the day its schedule fired (else the run's start)."""
    fired = workflow.info().typed_search_attributes.get(SCHEDULED_START)
    return (fired or workflow.now()).date().isoformat()
