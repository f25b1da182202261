"""Stripe as the registry sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import stripe

from payment_saga.config import Settings
from payment_saga.processors.notices import ReceivedNotice
from payment_saga.processors.port import PaymentGateway
from payment_saga.processors.processor import Processor
from payment_saga.processors.stripe import notices
from payment_saga.processors.stripe.adapter import StripeGateway
from payment_saga.processors.stripe.settings import StripeSettings

DEFAULT_KEY = StripeSettings().api_key


@asynccontextmanager
async def open_adapter(settings: Settings) -> AsyncIterator[PaymentGateway]:
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


async def read_notice(
    settings: Settings, payload: bytes, headers: Mapping[str, str]
) -> ReceivedNotice:
    signature = headers.get(notices.SIGNATURE_HEADER, "")
    return notices.read_notice(settings.stripe, payload, signature)


def refused_settings(settings: Settings) -> list[str]:
    if settings.stripe.api_key == DEFAULT_KEY:
        return ["STRIPE_API_KEY is not set: the built-in key only reaches the local test server"]
    return []


STRIPE = Processor(
    name="stripe",
    open_adapter=open_adapter,
    signature_header=notices.SIGNATURE_HEADER,
    read_notice=read_notice,
    refused_settings=refused_settings,
    three_d_secure=True,
)
