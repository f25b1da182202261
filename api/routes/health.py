"""Liveness and readiness: readiness checks every dependency and names the one that is down."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import ServicesDep
from payment_saga.connections import kafka_options

log = logging.getLogger("payment_saga.api")
router = APIRouter(tags=["service"])
CHECK_TIMEOUT_SECONDS = 3.0


@router.get("/health")
async def get_health() -> dict[str, str]:
    return {"status": "ok"}


async def _check(name: str, probe: Any) -> tuple[str, str]:
    try:
        await asyncio.wait_for(probe(), timeout=CHECK_TIMEOUT_SECONDS)
    except Exception as error:
        # The details go to the log, not to whoever asks: they name hosts and versions.
        log.warning("readiness check %s failed: %s: %s", name, type(error).__name__, error)
        return name, "unavailable"
    return name, "ok"


@router.get("/ready")
async def get_readiness(state: ServicesDep) -> JSONResponse:

    async def postgres() -> None:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def temporal() -> None:
        await state.temporal.service_client.check_health()

    async def kafka() -> None:
        admin = AIOKafkaAdminClient(**kafka_options(state.settings.kafka), request_timeout_ms=2500)
        await admin.start()
        try:
            await admin.list_topics()
        finally:
            await admin.close()

    results = dict(
        await asyncio.gather(
            _check("temporal", temporal), _check("postgres", postgres), _check("kafka", kafka)
        )
    )
    healthy = all(value == "ok" for value in results.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status_code=200 if healthy else 503,
    )
