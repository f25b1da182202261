"""The workers' Temporal Worker Deployment: which build takes new payments, and which builds
still finish the runs pinned to them (docs/deployment.md, "Upgrades").

A rollout starts the new build's workers beside the old ones, then makes the new build current:
new runs begin on it, runs already begun stay on the build they began on (pinned). A rollback
makes the old build current again. An old build's workers may stop once its version is drained.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from temporalio.api.deployment.v1 import WorkerDeploymentInfo
from temporalio.api.enums.v1 import RoutingConfigUpdateState, WorkerDeploymentVersionStatus
from temporalio.api.workflowservice.v1 import (
    DescribeWorkerDeploymentRequest,
    SetWorkerDeploymentCurrentVersionRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

IDENTITY = "payment-saga"
# How long a new build's workers may take to poll before it can be made current.
DEFAULT_WAIT = timedelta(seconds=60)


@dataclass(frozen=True)
class VersionView:
    build_id: str
    # created, current, ramping, draining (runs still pinned to it), drained, inactive
    status: str
    created_at: datetime | None


@dataclass(frozen=True)
class DeploymentView:
    deployment_name: str
    current_build_id: str | None
    versions: list[VersionView]


async def describe_deployment(client: Client, deployment_name: str) -> DeploymentView:
    request = DescribeWorkerDeploymentRequest(
        namespace=client.namespace, deployment_name=deployment_name
    )
    try:
        response = await client.workflow_service.describe_worker_deployment(request)
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise
        return DeploymentView(deployment_name, None, [])  # no versioned worker polled yet
    info = response.worker_deployment_info
    current = info.routing_config.current_deployment_version.build_id or None
    versions = [
        VersionView(
            build_id=summary.deployment_version.build_id,
            status=_status_name(summary.status),
            created_at=_created(summary),
        )
        for summary in info.version_summaries
    ]
    return DeploymentView(deployment_name, current, versions)


async def make_current(
    client: Client, deployment_name: str, build_id: str, wait: timedelta = DEFAULT_WAIT
) -> None:
    """Make a build current once its workers poll: the server knows a version only after they
    do. Raises the server's last refusal when `wait` runs out."""
    deadline = time.monotonic() + wait.total_seconds()
    request = SetWorkerDeploymentCurrentVersionRequest(
        namespace=client.namespace,
        deployment_name=deployment_name,
        build_id=build_id,
        identity=IDENTITY,
    )
    while True:
        try:
            await client.workflow_service.set_worker_deployment_current_version(request)
            break
        except RPCError:
            if time.monotonic() >= deadline:
                raise
        await asyncio.sleep(0.5)
    await _routing_propagated(client, deployment_name, deadline)


async def _routing_propagated(client: Client, deployment_name: str, deadline: float) -> None:
    """The server answers the change before every task-queue partition routes by it: until
    then a new payment may still begin on the build that was current (seen as a flaky
    rollback test). Wait for `routing_config_update_state` COMPLETED (servers that do not
    report it leave it UNSPECIFIED)."""
    request = DescribeWorkerDeploymentRequest(
        namespace=client.namespace, deployment_name=deployment_name
    )
    while time.monotonic() < deadline:
        response = await client.workflow_service.describe_worker_deployment(request)
        state = response.worker_deployment_info.routing_config_update_state
        if state != RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_IN_PROGRESS:
            return
        await asyncio.sleep(0.2)


def _created(summary: WorkerDeploymentInfo.WorkerDeploymentVersionSummary) -> datetime | None:
    return summary.create_time.ToDatetime(UTC) if summary.HasField("create_time") else None


def _status_name(status: int) -> str:
    name = WorkerDeploymentVersionStatus.Name(status)  # type: ignore[arg-type]
    return name.removeprefix("WORKER_DEPLOYMENT_VERSION_STATUS_").lower()
