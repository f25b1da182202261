"""PayPal as the registry sees it: it takes PayPal payments (no cards), always with the payer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from payment_saga.config import Settings
from payment_saga.processors.paypal.adapter import PayPalGateway
from payment_saga.processors.paypal.settings import PayPalSettings
from payment_saga.processors.port import PaymentGateway
from payment_saga.processors.processor import Processor

DEFAULT_SECRET = PayPalSettings().client_secret


@asynccontextmanager
async def open_adapter(settings: Settings) -> AsyncIterator[PaymentGateway]:
    paypal = settings.paypal
    limit = httpx.Timeout(settings.gateway.timeout_seconds, connect=2.0)
    async with httpx.AsyncClient(base_url=paypal.base_url(), timeout=limit) as http:
        yield PayPalGateway(http, paypal.client_id, paypal.client_secret.get_secret_value())


def refused_settings(settings: Settings) -> list[str]:
    if settings.paypal.client_secret == DEFAULT_SECRET:
        return [
            "PAYPAL_CLIENT_SECRET is not set: the built-in credentials only reach the local"
            " test server"
        ]
    return []


PAYPAL = Processor(
    name="paypal",
    open_adapter=open_adapter,
    refused_settings=refused_settings,
    card_brands=(),
    payment_methods=("paypal",),
)
