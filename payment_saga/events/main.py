"""`payment-saga-relay`: the outbox relay on its own (it also runs inside the worker)."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry, start_http_server

from payment_saga.config import Settings
from payment_saga.db.session import create_engine
from payment_saga.events.relay import OutboxRelay, RelayMetrics
from payment_saga.observability.logs import configure_logging
from payment_saga.observability.tracing import configure_tracing
from payment_saga.secure_defaults import require_secure_settings
from payment_saga.shutdown import stop_on_signals


async def main_async(settings: Settings) -> None:
    stop = stop_on_signals()
    registry = CollectorRegistry()
    start_http_server(settings.worker.metrics_port, settings.worker.metrics_host, registry=registry)
    engine = create_engine(settings.database)
    try:
        await OutboxRelay(engine, settings.kafka, RelayMetrics(registry)).run(stop)
    finally:
        await engine.dispose()


def main() -> None:
    settings = Settings()  # parsed once for the process
    require_secure_settings(settings, "payment-saga-relay")
    configure_tracing(settings, "relay")
    configure_logging("relay", settings.log_level)
    asyncio.run(main_async(settings))


if __name__ == "__main__":
    main()
