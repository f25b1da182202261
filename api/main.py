"""The API application (`payment-saga-api`): clients built in the lifespan, routers mounted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from api import health
from clients import connect_temporal, gateway_http_client
from db.session import create_engine, create_session_factory
from gateway.http_client import HttpGateway
from settings import Settings

VERSION = "0.1.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database)
        http = gateway_http_client(settings.gateway)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessions = create_session_factory(engine)
        app.state.gateway = HttpGateway(http)
        app.state.temporal = await connect_temporal(settings.temporal)
        try:
            yield
        finally:
            await http.aclose()
            await engine.dispose()

    app = FastAPI(title="payment-saga", version=VERSION, lifespan=lifespan)
    app.include_router(health.router)
    return app


def main() -> None:
    settings = Settings()
    uvicorn.run(
        create_app(settings),
        host=settings.api.host,
        port=settings.api.port,
        log_level="info",
    )


if __name__ == "__main__":
    main()
