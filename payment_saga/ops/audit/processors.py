"""Each processor's own view of a payment's money (`PaymentGateway.settlement`), for the
processors without a ledger the audit can read whole (every one but the simulator)."""

from __future__ import annotations

import asyncio

from payment_saga.config import Settings
from payment_saga.db.models import Payment
from payment_saga.domain.errors import PaymentSagaError
from payment_saga.processors.port import Settlement
from payment_saga.processors.registry import open_gateways
from payment_saga.processors.routing import kinds_in_use

# Processor calls in flight at once while auditing.
CONCURRENT_LOOKUPS = 10


async def processor_views(
    settings: Settings, payments: list[Payment]
) -> dict[str, Settlement | str]:
    """Payment id -> its processor's settlement, or why it could not be read."""
    in_use = kinds_in_use(settings.gateway)
    asked = [
        p for p in payments
        if p.gateway_reference is not None
        and (p.processor or settings.gateway.kind) in in_use
        and (p.processor or settings.gateway.kind) != "simulator"
    ]  # fmt: skip
    if not asked:
        return {}
    limit = asyncio.Semaphore(CONCURRENT_LOOKUPS)
    async with open_gateways(settings) as gateways:

        async def view(payment: Payment) -> Settlement | str:
            assert payment.gateway_reference is not None
            async with limit:
                try:
                    return await gateways[payment.processor].settlement(payment.gateway_reference)
                except PaymentSagaError as error:
                    return f"{error.code}: {error.message}"

        found = await asyncio.gather(*(view(p) for p in asked))
    return {payment.id: seen for payment, seen in zip(asked, found, strict=True)}
