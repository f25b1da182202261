"""Builders for the long-lived clients. Called from the API's lifespan and the worker's main()."""

from __future__ import annotations

import httpx
from temporalio.client import Client

from settings import GatewaySettings, TemporalSettings


async def connect_temporal(settings: TemporalSettings) -> Client:
    return await Client.connect(settings.target(), namespace=settings.namespace)


def gateway_http_client(
    settings: GatewaySettings, *, max_connections: int = 100
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=settings.base_url(),
        timeout=httpx.Timeout(settings.timeout_seconds, connect=2.0),
        limits=httpx.Limits(max_connections=max_connections),
    )
