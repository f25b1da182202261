"""Authorize.Net as the registry sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx

from payment_saga.config import Settings
from payment_saga.processors.authorizenet import notices
from payment_saga.processors.authorizenet.adapter import AuthorizeNetGateway
from payment_saga.processors.authorizenet.settings import AuthorizeNetSettings
from payment_saga.processors.notices import ReceivedNotice
from payment_saga.processors.port import PaymentGateway
from payment_saga.processors.processor import Processor

DEFAULT_KEY = AuthorizeNetSettings().transaction_key


@asynccontextmanager
async def open_adapter(settings: Settings) -> AsyncIterator[PaymentGateway]:
    anet = settings.authorizenet
    limit = httpx.Timeout(settings.gateway.timeout_seconds, connect=2.0)
    async with httpx.AsyncClient(base_url=anet.base_url(), timeout=limit) as http:
        key = anet.transaction_key.get_secret_value()
        yield AuthorizeNetGateway(http, anet.login_id, key, anet.currency)


async def read_notice(
    settings: Settings, payload: bytes, headers: Mapping[str, str]
) -> ReceivedNotice:
    signature = headers.get(notices.SIGNATURE_HEADER, "")
    return notices.read_notice(settings.authorizenet, payload, signature)


def refused_settings(settings: Settings) -> list[str]:
    if settings.authorizenet.transaction_key == DEFAULT_KEY:
        return [
            "AUTHORIZENET_TRANSACTION_KEY is not set: the built-in key only reaches the local"
            " test server"
        ]
    return []


AUTHORIZENET = Processor(
    name="authorizenet",
    open_adapter=open_adapter,
    signature_header=notices.SIGNATURE_HEADER,
    read_notice=read_notice,
    refused_settings=refused_settings,
)
