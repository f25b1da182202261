"""Every processor the product can use, by name: adding one is its folder, one line here, and
docs/processors.md. The API, the worker and the CLI open theirs here, so each processor is
configured once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from payment_saga.config import Settings
from payment_saga.processors.authorizenet.registration import AUTHORIZENET
from payment_saga.processors.paypal.registration import PAYPAL
from payment_saga.processors.processor import Processor
from payment_saga.processors.routing import Gateways, kinds_in_use
from payment_saga.processors.simulator.registration import SIMULATOR
from payment_saga.processors.stripe.registration import STRIPE

PROCESSORS: dict[str, Processor] = {p.name: p for p in (SIMULATOR, STRIPE, AUTHORIZENET, PAYPAL)}


def processors_in_use(settings: Settings) -> list[Processor]:
    """The default processor and every one a route names; an unknown name stops the start."""
    kinds = kinds_in_use(settings.gateway)
    unknown = [kind for kind in kinds if kind not in PROCESSORS]
    if unknown:
        raise ValueError(
            f"GATEWAY_KIND / GATEWAY_ROUTES name {', '.join(unknown)}; the processors are "
            f"{', '.join(PROCESSORS)}"
        )
    return [PROCESSORS[kind] for kind in kinds]


@asynccontextmanager
async def open_gateways(settings: Settings) -> AsyncIterator[Gateways]:
    """Every processor the settings use (the default and those the routes name)."""
    async with AsyncExitStack() as stack:
        processors = processors_in_use(settings)
        adapters = {
            processor.name: await stack.enter_async_context(processor.open_adapter(settings))
            for processor in processors
        }
        authenticating = frozenset(p.name for p in processors if p.three_d_secure)
        yield Gateways(adapters, settings.gateway, authenticating)
