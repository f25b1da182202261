"""Builders for the long-lived clients. Called from the API's lifespan and the worker's main()."""

from __future__ import annotations

import httpx
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from settings import GatewaySettings, TemporalSettings


async def connect_temporal(settings: TemporalSettings, runtime: Runtime | None = None) -> Client:
    return await Client.connect(settings.target(), namespace=settings.namespace, runtime=runtime)


def prometheus_runtime(host: str, port: int) -> Runtime:
    """A Temporal runtime that serves the SDK's metrics for Prometheus on host:port."""
    return Runtime(
        telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"{host}:{port}"))
    )


def gateway_http_client(
    settings: GatewaySettings, *, max_connections: int = 100
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=settings.base_url(),
        timeout=httpx.Timeout(settings.timeout_seconds, connect=2.0),
        limits=httpx.Limits(max_connections=max_connections),
    )
