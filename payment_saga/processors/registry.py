"""The one place that turns `GATEWAY_KIND` into a `PaymentGateway`: the API, the worker and the
CLI all open theirs here, so each processor is configured once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import stripe

from payment_saga.config import Settings
from payment_saga.connections import gateway_http_client
from payment_saga.processors.authorizenet.adapter import AuthorizeNetGateway
from payment_saga.processors.port import PaymentGateway
from payment_saga.processors.routing import Gateways, kinds_in_use
from payment_saga.processors.simulator.adapter import SimulatorGateway
from payment_saga.processors.stripe.adapter import StripeGateway


@asynccontextmanager
async def open_gateways(settings: Settings) -> AsyncIterator[Gateways]:
    """Every processor the settings use (the default and those the routes name)."""
    async with AsyncExitStack() as stack:
        adapters = {
            kind: await stack.enter_async_context(open_gateway(settings, kind))
            for kind in kinds_in_use(settings.gateway)
        }
        yield Gateways(adapters, settings.gateway)


@asynccontextmanager
async def open_gateway(
    settings: Settings, kind: str | None = None
) -> AsyncIterator[PaymentGateway]:
    """One processor's adapter (the default: GATEWAY_KIND), its connections closed on exit."""
    kind = kind or settings.gateway.kind
    if kind == "stripe":
        timeout = settings.gateway.timeout_seconds
        stripe_http = stripe.HTTPXClient(timeout=timeout, allow_sync_methods=False)
        client = stripe.StripeClient(
            settings.stripe.api_key.get_secret_value(),
            base_addresses={"api": settings.stripe.base_url()},
            http_client=stripe_http,
            # The saga retries (with a lookup first); the SDK's own retries would hide the time.
            max_network_retries=0,
        )
        try:
            yield StripeGateway(client)
        finally:
            await stripe_http.close_async()  # type: ignore[no-untyped-call]  # untyped in the SDK
        return
    if kind == "authorizenet":
        anet = settings.authorizenet
        limit = httpx.Timeout(settings.gateway.timeout_seconds, connect=2.0)
        async with httpx.AsyncClient(base_url=anet.base_url(), timeout=limit) as http:
            key = anet.transaction_key.get_secret_value()
            yield AuthorizeNetGateway(http, anet.login_id, key, anet.currency)
        return
    async with gateway_http_client(settings.gateway) as http:
        yield SimulatorGateway(http)
