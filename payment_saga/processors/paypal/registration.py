"""PayPal as the registry sees it: it takes PayPal payments (no cards), always with the payer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx

from payment_saga.config import Settings
from payment_saga.processors.notices import ReceivedNotice
from payment_saga.processors.paypal import notices
from payment_saga.processors.paypal.adapter import PayPalGateway
from payment_saga.processors.paypal.settings import PayPalSettings
from payment_saga.processors.port import PaymentGateway
from payment_saga.processors.processor import Processor

DEFAULT_SECRET = PayPalSettings().client_secret


@asynccontextmanager
async def open_paypal(settings: Settings) -> AsyncIterator[PayPalGateway]:
    paypal = settings.paypal
    limit = httpx.Timeout(settings.gateway.timeout_seconds, connect=2.0)
    async with httpx.AsyncClient(base_url=paypal.base_url(), timeout=limit) as http:
        yield PayPalGateway(http, paypal.client_id, paypal.client_secret.get_secret_value())


@asynccontextmanager
async def open_adapter(settings: Settings) -> AsyncIterator[PaymentGateway]:
    async with open_paypal(settings) as gateway:
        yield gateway


async def read_notice(
    settings: Settings, payload: bytes, headers: Mapping[str, str]
) -> ReceivedNotice:
    """Each notice asks PayPal, on a client of its own (notices are few)."""
    async with open_paypal(settings) as gateway:
        return await notices.read_notice(
            settings.paypal, payload, headers, gateway.verify_webhook,
            gateway.authorization_of_capture,
        )  # fmt: skip


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
    signature_header=notices.SIGNATURE_HEADER,
    read_notice=read_notice,
    refused_settings=refused_settings,
    card_brands=(),
    payment_methods=("paypal",),
)
