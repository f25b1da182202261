"""What the registry knows of one processor: how to open its adapter, how to read its signed
notices, and which production settings it refuses. Each processor's folder makes one
(`<name>/registration.py`); payment_saga/processors/registry.py lists them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from payment_saga.config import Settings
from payment_saga.domain.cards import SUPPORTED_BRANDS
from payment_saga.processors.notices import ReceivedNotice
from payment_saga.processors.port import PaymentGateway

# Reads a notice from its body and the request's headers (checking its signature).
NoticeReader = Callable[[Settings, bytes, Mapping[str, str]], Awaitable[ReceivedNotice]]


def _nothing_refused(settings: Settings) -> list[str]:
    return []


@dataclass(frozen=True)
class Processor:
    # Its name in GATEWAY_KIND, GATEWAY_ROUTES, the payments' `processor` and the notices' URL.
    name: str
    # Its adapter, with its connections closed on exit.
    open_adapter: Callable[[Settings], AbstractAsyncContextManager[PaymentGateway]]
    # The header its notices are signed in, and how it reads one (POST /v1/webhooks/{name})
    # from the body and the request's headers; None: it sends none.
    signature_header: str | None = None
    read_notice: (
        Callable[[Settings, bytes, Mapping[str, str]], Awaitable[ReceivedNotice]] | None
    ) = None
    # One line per setting a non-development deployment using it must not run without.
    refused_settings: Callable[[Settings], list[str]] = _nothing_refused
    # What it takes (GET /v1/payment-methods): the card brands, and whether it can ask the
    # customer for 3-D Secure (docs/processors.md, "Customer actions").
    card_brands: tuple[str, ...] = SUPPORTED_BRANDS
    three_d_secure: bool = False
    # The payment methods it takes: `card`, `paypal`.
    payment_methods: tuple[str, ...] = ("card",)
