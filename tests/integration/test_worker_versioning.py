"""Worker Versioning (issue #30): a payment begun on build A finishes on A while build B, whose
workflow code A's runs could not replay, takes the new payments; a pinned run records no patch
marker; the replay gate leaves pinned runs to their own build."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHandle

from activities.payments import PaymentActivities
from payment_saga.config import Settings
from payment_saga.db.session import SessionFactory
from payment_saga.domain.messages import CaptureRequest
from payment_saga.domain.states import CaptureMethod
from payment_saga.ops.deployments import describe_deployment, make_current
from payment_saga.ops.replay import replay_check
from payment_saga.processors.registry import open_gateways
from tests.integration.conftest import Payments, run_cli
from tests.integration.test_saga_steering import until_status
from tests.unit.planted_workflow import PlantedPaymentWorkflow
from worker import build_worker
from workflows.payment import PaymentWorkflow

BUILDS = {"a": (PaymentWorkflow,), "b": (PlantedPaymentWorkflow,)}


@pytest.fixture
async def versioned(settings: Settings) -> Settings:
    """A deployment and a task queue of the test's own, beside the stack's unversioned worker."""
    versioned = settings.model_copy(deep=True)
    versioned.temporal.task_queue = f"versioned-{uuid.uuid4().hex[:8]}"
    versioned.worker.versioning = True
    versioned.worker.deployment_name = f"payment-saga-{uuid.uuid4().hex[:8]}"
    return versioned


async def start_build(
    running: AsyncExitStack,
    versioned: Settings,
    sessions: SessionFactory,
    temporal: Client,
    build: str,
) -> None:
    """Start the build's worker, then make it current: new payments begin on it."""
    build_settings = versioned.model_copy(deep=True)
    build_settings.worker.build_id = build
    gateways = await running.enter_async_context(open_gateways(build_settings))
    activities = PaymentActivities(
        sessions, gateways, temporal_ui_url="http://ui", namespace="default"
    )
    worker = build_worker(build_settings, temporal, activities, workflows=BUILDS[build])
    await running.enter_async_context(worker)
    await make_current(temporal, versioned.worker.deployment_name, build, timedelta(seconds=30))


def task_builds(events: list[HistoryEvent]) -> set[str]:
    """The build of every worker that completed one of the run's workflow tasks."""
    return {
        event.workflow_task_completed_event_attributes.deployment_version.build_id
        for event in events
        if event.HasField("workflow_task_completed_event_attributes")
    }


def patch_markers(events: list[HistoryEvent]) -> int:
    return sum(
        1
        for event in events
        if event.HasField("marker_recorded_event_attributes")
        and event.marker_recorded_event_attributes.marker_name == "core_patch"
    )


async def begin(payments: Payments, queue: str, **overrides: Any) -> WorkflowHandle[Any, Any]:
    request = await payments.request("4242424242424242", **overrides)
    return await payments.start_run(request, queue)


async def test_a_payment_begun_on_a_finishes_on_a_while_b_takes_new_ones(
    payments: Payments,
    versioned: Settings,
    sessions: SessionFactory,
    temporal: Client,
) -> None:
    queue = versioned.temporal.task_queue
    async with AsyncExitStack() as running:
        await start_build(running, versioned, sessions, temporal, "a")
        on_a = await begin(payments, queue, capture_method=CaptureMethod.MANUAL)
        await until_status(on_a, "authorized")

        await start_build(running, versioned, sessions, temporal, "b")
        on_b = await begin(payments, queue)
        # B's code would fail A's run (a command A's runs never issued): A's run stays on A.
        await on_a.execute_update(PaymentWorkflow.capture, CaptureRequest(amount=2500))
        assert (await on_a.result()).status == "captured"
        assert (await on_b.result()).status == "captured"

        a_events = list((await on_a.fetch_history()).events)
        b_events = list((await on_b.fetch_history()).events)
        assert task_builds(a_events) == {"a"}
        assert task_builds(b_events) == {"b"}
        view = await describe_deployment(temporal, versioned.worker.deployment_name)
        assert view.current_build_id == "b"
        assert {v.build_id for v in view.versions} == {"a", "b"}

        # A rollback, as an operator does it: A takes the new payments again.
        rolled_back = await operator(versioned, "workflows", "set-current", "a")
        assert rolled_back["current_build_id"] == "a"
        again_on_a = await begin(payments, queue)
        await again_on_a.result()
        assert task_builds(list((await again_on_a.fetch_history()).events)) == {"a"}
        listed = await operator(versioned, "workflows", "versions")
        assert {v["build_id"]: v["status"] for v in listed["versions"]}["a"] == "current"


async def operator(versioned: Settings, *words: str) -> Any:
    """`payment-saga --json ...` against the test's own deployment."""
    done = await asyncio.to_thread(run_cli, versioned, "--json", *words)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def test_a_pinned_run_records_no_patch_marker(
    payments: Payments, versioned: Settings, sessions: SessionFactory, temporal: Client
) -> None:
    """The same automatic payment, on the stack's unversioned worker and on a versioned one:
    the pinned run's history is shorter by the generation marker and its upsert."""
    async with AsyncExitStack() as running:
        await start_build(running, versioned, sessions, temporal, "a")
        pinned = await begin(payments, versioned.temporal.task_queue, idle_close_seconds=1)
        unversioned = await begin(
            payments, payments.settings.temporal.task_queue, idle_close_seconds=1
        )
        await pinned.result()
        await unversioned.result()
        pinned_history = await pinned.fetch_history()
        pinned_events = list(pinned_history.events)
        unversioned_events = list((await unversioned.fetch_history()).events)

    print(f"automatic payment history: {len(unversioned_events)} events unversioned,"
          f" {len(pinned_events)} pinned")  # fmt: skip
    assert patch_markers(unversioned_events) == 1 and patch_markers(pinned_events) == 0
    assert len(pinned_events) == len(unversioned_events) - 2
    if record_dir := os.environ.get("RECORD_HISTORIES"):  # tests/unit/histories: see test_replay
        Path(record_dir, "pinned_approved.json").write_text(pinned_history.to_json())

    # The gate replays what the code being deployed will run: never a run pinned to a build.
    report = await replay_check(temporal, timedelta(minutes=5), 500)
    assert unversioned.id in report.workflow_ids
    assert pinned.id not in report.workflow_ids
