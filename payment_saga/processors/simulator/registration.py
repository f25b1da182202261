"""The simulator as the registry sees it: our own processor, for development and tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from payment_saga.config import Settings
from payment_saga.connections import gateway_http_client
from payment_saga.processors.port import PaymentGateway
from payment_saga.processors.processor import Processor
from payment_saga.processors.simulator.adapter import SimulatorGateway


@asynccontextmanager
async def open_adapter(settings: Settings) -> AsyncIterator[PaymentGateway]:
    async with gateway_http_client(settings.gateway) as http:
        yield SimulatorGateway(http)


SIMULATOR = Processor(name="simulator", open_adapter=open_adapter, three_d_secure=True)
