"""The API application (`payment-saga-api`): clients built in the lifespan, routers mounted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Annotated

import uvicorn
from fastapi import FastAPI, Header, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api import errors, middleware, routes
from api.codec_server import create_codec_app
from api.commands import PaymentCommands
from api.deps import Services
from api.idempotency import IdempotencyStore
from api.keycache import KeyCache
from api.queries import PaymentQueries
from api.ratelimit import RateLimiter
from api.routes import health, notices
from api.sharedlimit import SharedRateLimiter
from payment_saga.config import Settings
from payment_saga.connections import (
    card_fingerprints,
    connect_temporal,
    payload_codec,
    temporal_runtime,
)
from payment_saga.db.session import create_engine, create_session_factory
from payment_saga.events.replay import OutboxRetention
from payment_saga.observability.logs import configure_logging
from payment_saga.observability.tracing import configure_tracing
from payment_saga.processors.notices import same_secret
from payment_saga.processors.registry import open_gateways
from payment_saga.secure_defaults import require_secure_settings
from payment_saga.shutdown import sleep_unless_stopped
from payment_saga.steering.notices import ProcessorNotices
from payment_saga.steering.payments import PaymentSteering

log = logging.getLogger("payment_saga.api")
VERSION = "0.1.0"
DESCRIPTION = """Payments as durable workflows. Every `/v1` route takes
`Authorization: Bearer <api key>`; write routes take an `Idempotency-Key`. Errors always have
the shape `{"error": {"type", "code", "message", "param", "decline_code"}, "request_id"}`."""


def operation_id(route: APIRoute) -> str:
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


async def periodically(
    interval_seconds: float, stop: asyncio.Event, *jobs: Callable[[], Awaitable[None]]
) -> None:
    """Housekeeping until `stop`: every interval, each job once; a failed one tries again next
    time (expired idempotency keys and old rate-limit windows keep their tables bounded)."""
    while not stop.is_set():
        for job in jobs:
            try:
                await job()
            except Exception as error:
                log.warning("housekeeping job %s failed: %s", job.__name__, error)
        await sleep_unless_stopped(stop, interval_seconds)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    registry = CollectorRegistry()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database, pre_ping=False)
        gateway = AsyncExitStack()
        sessions = create_session_factory(engine)
        temporal = await connect_temporal(settings, temporal_runtime())
        queries = PaymentQueries(settings, sessions)
        idempotency = IdempotencyStore(
            sessions,
            ttl=timedelta(seconds=settings.api.idempotency_ttl_seconds),
            lock=timedelta(seconds=settings.api.idempotency_lock_seconds),
        )
        steering = PaymentSteering(
            temporal, settings.temporal.task_queue, sessions, settings.payments
        )
        app.state.services = Services(
            settings=settings,
            engine=engine,
            sessions=sessions,
            temporal=temporal,
            queries=queries,
            commands=PaymentCommands(
                settings,
                steering,
                sessions,
                await gateway.enter_async_context(open_gateways(settings)),
                queries,
                card_fingerprints(settings),
            ),
            idempotency=idempotency,
            rate_limiter=SharedRateLimiter(
                sessions,
                RateLimiter(
                    per_minute=settings.api.rate_limit_per_minute,
                    burst=settings.api.rate_limit_burst,
                    burst_seconds=settings.api.rate_limit_burst_seconds,
                ),
            ),
            failed_auth=RateLimiter(
                per_minute=settings.api.auth_failures_per_minute,
                burst=settings.api.auth_failures_per_minute,
                burst_seconds=60.0,
            ),
            keys=KeyCache(sessions, settings.api.key_cache_seconds),
            notices=ProcessorNotices(sessions, steering),
        )
        stop_purging = asyncio.Event()
        purging = asyncio.create_task(
            periodically(
                settings.api.idempotency_purge_seconds,
                stop_purging,
                idempotency.purge_all_expired,
                app.state.services.rate_limiter.purge,
                OutboxRetention(
                    sessions, timedelta(days=settings.kafka.outbox_retention_days)
                ).purge_all_expired,
            )
        )
        try:
            yield
        finally:
            stop_purging.set()
            await purging
            await gateway.aclose()
            await engine.dispose()

    docs = settings.api.docs_enabled
    app = FastAPI(
        title="payment-saga",
        version=VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
        # Operation ids make good function names in generated clients: createPayment, ...
        generate_unique_id_function=operation_id,
        # FastAPI's own OpenTelemetry spans, metrics and logs are off: the request's span,
        # metrics and log line are ours (api/middleware.py), and a second server span per
        # request, spans per dependency and logs of validation failures with their inputs
        # (which may quote a card number) are cost and risk with nothing added.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    errors.install(app)
    middleware.install(app, middleware.ApiMetrics(registry), settings.api.max_body_bytes)
    if settings.api.trusted_proxies:
        # Added last, so it runs first: every part of the app sees the forwarded client.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.api.trusted_proxies)
    app.include_router(health.router)
    for router in routes.V1_ROUTERS:
        app.include_router(router)
    app.include_router(notices.router)
    app.mount("/codec", create_codec_app(settings, payload_codec(settings)))

    @app.get("/metrics", include_in_schema=False)
    async def metrics(authorization: Annotated[str | None, Header()] = None) -> Response:
        # For operators only: Prometheus sends the operator token (docs/operations.md).
        token = settings.codec.operator_token
        expected = f"Bearer {token.get_secret_value()}" if token is not None else None
        # No operator token set: closed, as the codec is (the numbers name payments' volumes).
        if expected is None or not same_secret(authorization, expected):
            return Response(status_code=404)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app


def main() -> None:
    settings = Settings()
    require_secure_settings(settings, "payment-saga-api")
    configure_tracing(settings, "api")
    configure_logging("api", settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.api.host,
        port=settings.api.port,
        log_config=None,  # our JSON handler, not uvicorn's
        access_log=False,  # the middleware logs each request with its ids
        timeout_graceful_shutdown=int(settings.api.drain_seconds),
        # Forwarding headers are the app's to trust (API_TRUSTED_PROXIES), not uvicorn's
        # default of loopback.
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
