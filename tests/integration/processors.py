"""The processors under test, each with its own test server, adapter and worker: what the saga
tests need to know about each (a card that pays, cards that decline, its ledger, its faults)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from temporalio.client import Client

from activities.payments import PaymentActivities
from devtools.stack.ports import free_port
from devtools.stack.stack import Stack
from payment_saga.config import Settings
from payment_saga.db.models import Payment
from payment_saga.db.session import SessionFactory
from payment_saga.processors.port import PaymentGateway
from payment_saga.processors.registry import open_gateways
from worker import build_worker

# (card or token, amount, our code, decline_code), following each test server's rules.
Decline = tuple[str, int, str, str | None]
STRIPE_DECLINES: list[Decline] = [
    ("pm_card_chargeDeclined", 2500, "card_declined", "generic_decline"),
    ("pm_card_chargeDeclinedInsufficientFunds", 2500, "card_declined", "insufficient_funds"),
    ("pm_card_chargeDeclinedExpiredCard", 2500, "expired_card", None),
    ("pm_card_chargeDeclinedIncorrectCvc", 2500, "incorrect_cvc", None),
    ("pm_card_chargeDeclinedProcessingError", 2500, "processing_error", None),
    # 3-D Secure asked of a payment without a return_url (error_on_requires_action).
    ("pm_card_authenticationRequired", 2500, "authentication_required", "authentication_required"),
]
# Authorize.Net's sandbox: card 4222222222222 answers with the reason code of its dollar amount.
ANET_DECLINES: list[Decline] = [
    ("4222222222222", 200, "card_declined", "generic_decline"),
    ("4222222222222", 2700, "card_declined", "avs_mismatch"),
    ("4222222222222", 4400, "incorrect_cvc", None),
    ("4222222222222", 800, "expired_card", None),
]


@dataclass
class Processor:
    kind: str
    settings: Settings
    gateway: PaymentGateway
    http: httpx.AsyncClient  # the test server's own endpoints
    approved: str
    declines: list[Decline]
    activities: PaymentActivities  # the worker's, for a step run by hand

    async def applied(self, payment: Payment) -> list[tuple[str, int]]:
        """What the processor applied for the payment, in minor units."""
        if self.kind == "stripe":
            params = {"key_prefix": payment.id}
        else:
            params = {"authorization": payment.gateway_reference or "-"}
        entries: list[dict[str, Any]] = (
            await self.http.get("/_fake/ledger", params=params)
        ).json()["entries"]
        return [(e["operation"], _minor(e["amount"])) for e in entries]

    async def browser_token(self) -> str:
        """A Mastercard as the processor's script in the customer's browser hands it over."""
        if self.kind == "stripe":
            return "pm_card_mastercard"
        card = {"cardNumber": "5424000000000015", "month": "12", "year": "2032"}
        opaque = (await self.http.post("/_fake/accept", json=card)).json()["opaqueData"]
        return f"{opaque['dataDescriptor']}:{opaque['dataValue']}"

    async def lose_next_answer(self, seconds: float) -> None:
        await self.http.put("/_fake/faults", json={"lose_next": 1, "lost_seconds": seconds})

    async def expire_holds_after(self, seconds: float) -> None:
        """The processor releases uncaptured holds by itself after `seconds` (docs/processors.md,
        "Holds the processor expires")."""
        await self.http.put("/_fake/faults", json={"hold_seconds": seconds})

    async def settle(self, day: date | None = None) -> dict[str, Any]:
        """The processor settles what it has not yet (#32): Stripe pays it out, Authorize.Net
        closes a batch; `day`: as on a later day."""
        params = {"day": day.isoformat()} if day else {}
        path = "/_fake/payouts" if self.kind == "stripe" else "/_fake/settle"
        answer = await self.http.post(path, params=params)
        answer.raise_for_status()
        settled: dict[str, Any] = answer.json()
        return settled

    async def reset_faults(self) -> None:
        await self.http.put("/_fake/faults", json={})


def _minor(amount: int | str) -> int:
    return amount if isinstance(amount, int) else int(Decimal(amount) * 100)


@asynccontextmanager
async def running_processor(
    kind: str, stack_settings: Settings, sessions: SessionFactory, temporal: Client
) -> AsyncIterator[Processor]:
    """The processor's test server, and a worker on its own task queue using its adapter."""
    settings = stack_settings.model_copy(deep=True)
    settings.gateway.kind = kind
    settings.gateway.timeout_seconds = 2.0
    settings.stripe.port, settings.stripe.mock_port = free_port(), free_port()
    settings.authorizenet.port = free_port()
    settings.stripe.api_base = settings.authorizenet.api_base = None
    settings.temporal.task_queue = f"{kind}-{uuid.uuid4().hex[:8]}"
    server = Stack(settings)
    try:
        if kind == "stripe":
            await server.start_stripe()
            base, approved, declines = settings.stripe.base_url(), "pm_card_visa", STRIPE_DECLINES
        else:
            await server.start_authorizenet()
            base, approved = settings.authorizenet.base_url(), "4111111111111111"
            declines = ANET_DECLINES
        async with (
            httpx.AsyncClient(base_url=base) as http,
            open_gateways(settings) as gateways,
        ):
            activities = PaymentActivities(
                sessions, gateways, temporal_ui_url="http://ui", namespace="default"
            )
            async with build_worker(settings, temporal, activities):
                yield Processor(
                    kind, settings, gateways.default, http, approved, declines, activities
                )
    finally:
        server.stop()
