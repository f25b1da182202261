"""The Temporal worker (`payment-saga-worker`): runs PaymentWorkflow and ReconciliationWorkflow
and their activities."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import httpx
import uvloop
from prometheus_client import CollectorRegistry, start_http_server
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import (
    PollerBehavior,
    PollerBehaviorAutoscaling,
    PollerBehaviorSimpleMaximum,
    UnsandboxedWorkflowRunner,
    Worker,
    WorkerDeploymentConfig,
    WorkflowRunner,
)

from activities.customer_actions import CustomerActionActivities
from activities.deadlines import LocalDeadlines
from activities.lifecycle import LifecycleActivities
from activities.metrics import ActivityMetrics
from activities.outcomes import OutcomeActivities
from activities.payments import PaymentActivities
from activities.reconciliation import ReconciliationActivities
from activities.unretryable import UnretryableErrors
from activities.voids import VoidActivities
from payment_saga.config import Settings, WorkerSettings
from payment_saga.connections import codec_keys, connect_temporal, temporal_runtime
from payment_saga.db.session import create_engine, create_session_factory
from payment_saga.domain.reconciliation import ESCALATE_AFTER_DAYS
from payment_saga.events.relay import OutboxRelay, RelayMetrics
from payment_saga.events.webhooks.dispatcher import WebhookDispatcher
from payment_saga.observability.logs import configure_logging
from payment_saga.observability.temporal import LogContextInterceptor
from payment_saga.observability.tracing import configure_tracing
from payment_saga.processors.registry import open_gateways
from payment_saga.secure_defaults import require_secure_settings
from payment_saga.shutdown import stop_on_signals
from payment_saga.steering.schedules import ensure_reconciliation_schedules
from workflows.payment import PaymentWorkflow
from workflows.reconciliation import ReconciliationWorkflow

log = logging.getLogger("payment_saga.worker")
# Slots per worker process; the benchmark's floor worker uses the same.
MAX_CONCURRENT_ACTIVITIES = 100
MAX_CONCURRENT_WORKFLOW_TASKS = 100


def production_runner() -> WorkflowRunner:
    """The workers' runner: no sandbox.

    The sandbox executed the workflow module again for every new run and entered itself for
    every payload the codec handled: about a fifth of the worker's CPU in the benchmark's
    profile (docs/performance.md). What it guards against, a non-deterministic call in
    workflow code, is caught where the code is tested: the unit tests run every workflow in
    the strict sandbox (`sandbox_runner`), and replay recorded histories there.
    """
    return UnsandboxedWorkflowRunner()


def run(main: Coroutine[Any, Any, None]) -> None:
    """The process's event loop: uvloop's, as uvicorn uses in the API (less CPU per task
    switch than asyncio's own; the workflows' deterministic loop is the SDK's, unaffected)."""
    uvloop.run(main)


def declared_activities(*instances: object) -> list[Callable[..., Any]]:
    """Every `@activity.defn` method of the instances, bound: registering what the classes
    declare, the list cannot drift from them."""
    return [
        getattr(instance, name)
        for instance in instances
        for name in sorted(vars(type(instance)))
        if hasattr(getattr(type(instance), name), "__temporal_activity_definition")
    ]


def activity_instances(
    payments: PaymentActivities, escalate_after_days: int = ESCALATE_AFTER_DAYS
) -> tuple[object, ...]:
    """Every class of activities the workflows call, built on the payments' dependencies."""
    return (
        payments,
        OutcomeActivities(payments.tools),
        LifecycleActivities(payments.tools),
        VoidActivities(payments.tools),
        CustomerActionActivities(payments.tools),
        ReconciliationActivities(payments.tools, escalate_after_days),
    )


def deployment_config(settings: WorkerSettings) -> WorkerDeploymentConfig | None:
    """A versioned worker pins every run it begins: the run is never handed to other code, so
    it needs no patch markers (workflows/patches.py)."""
    if not settings.versioning:
        return None
    if not settings.build_id:
        raise SystemExit("WORKER_VERSIONING=true needs WORKER_BUILD_ID (the image's build)")
    return WorkerDeploymentConfig(
        version=WorkerDeploymentVersion(settings.deployment_name, settings.build_id),
        use_worker_versioning=True,
        default_versioning_behavior=VersioningBehavior.PINNED,
    )


def pollers(settings: WorkerSettings) -> PollerBehavior:
    """How the worker polls for workflow and for activity tasks (WORKER_POLLER_AUTOSCALING)."""
    if settings.poller_autoscaling:
        return PollerBehaviorAutoscaling()
    return PollerBehaviorSimpleMaximum()  # the SDK's default: five polls of each


def build_worker(
    settings: Settings,
    client: Client,
    activities: PaymentActivities,
    workflows: Sequence[type] = (PaymentWorkflow, ReconciliationWorkflow),
) -> Worker:
    """The worker; `workflows`: the code of the build it runs (tests run two builds)."""
    return Worker(
        client,
        task_queue=settings.temporal.task_queue,
        workflows=list(workflows),
        activities=declared_activities(
            *activity_instances(activities, settings.reconciliation.escalate_after_days)
        ),
        workflow_runner=production_runner(),
        interceptors=[
            LogContextInterceptor(),
            UnretryableErrors(activities.metrics),
            LocalDeadlines(),
        ],
        deployment_config=deployment_config(settings.worker),
        max_concurrent_activities=MAX_CONCURRENT_ACTIVITIES,
        max_concurrent_workflow_tasks=MAX_CONCURRENT_WORKFLOW_TASKS,
        workflow_task_poller_behavior=pollers(settings.worker),
        activity_task_poller_behavior=pollers(settings.worker),
        # SIGTERM (a rollout, a scale-down): activities in flight finish, within the pod's grace.
        graceful_shutdown_timeout=timedelta(seconds=settings.worker.drain_seconds),
    )


async def deliver_webhooks(
    settings: Settings, engine: AsyncEngine, stop: asyncio.Event, resources: AsyncExitStack
) -> None:
    """The signed-webhook dispatcher (payment_saga/events/webhooks/), beside the workflows."""
    http = await resources.enter_async_context(
        httpx.AsyncClient(timeout=settings.webhooks.timeout_seconds, follow_redirects=False)
    )
    dispatcher = WebhookDispatcher(
        create_session_factory(engine), http, settings.webhooks, codec_keys(settings)
    )
    await dispatcher.run(stop)


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    engine = create_engine(settings.database, pre_ping=False)
    gateway = AsyncExitStack()
    registry = CollectorRegistry()
    start_http_server(settings.worker.metrics_port, settings.worker.metrics_host, registry=registry)
    relay = OutboxRelay(engine, settings.kafka, RelayMetrics(registry))
    relay_task = asyncio.create_task(relay.run(stop)) if settings.kafka.relay_in_worker else None
    webhooks_task = (
        asyncio.create_task(deliver_webhooks(settings, engine, stop, gateway))
        if settings.webhooks.in_worker
        else None
    )
    try:
        runtime = temporal_runtime(
            f"{settings.worker.metrics_host}:{settings.worker.sdk_metrics_port}"
        )
        client = await connect_temporal(settings, runtime)
        gateways = await gateway.enter_async_context(open_gateways(settings))
        if settings.reconciliation.schedule:
            reporting = [kind for kind in gateways.kinds if gateways.reports(kind) is not None]
            await ensure_reconciliation_schedules(client, settings, reporting)
        activities = PaymentActivities(
            create_session_factory(engine),
            gateways,
            temporal_ui_url=settings.temporal.web_url(),
            namespace=settings.temporal.namespace,
            metrics=ActivityMetrics(registry),
        )
        worker = build_worker(settings, client, activities)
        async with worker:
            log.info("worker polling task queue %s", settings.temporal.task_queue)
            await stop.wait()
            log.info("worker stopping: finishing in-flight tasks")
        if relay_task is not None:
            await relay_task
        if webhooks_task is not None:
            await webhooks_task
    finally:
        await gateway.aclose()
        await engine.dispose()


async def main_async(settings: Settings) -> None:
    stop = stop_on_signals()
    await run_worker(settings, stop)


def main() -> None:
    settings = Settings()  # parsed once for the process
    require_secure_settings(settings, "payment-saga-worker")
    configure_tracing(settings, "worker")
    configure_logging("worker", settings.log_level)
    run(main_async(settings))


if __name__ == "__main__":
    main()
