"""Processors' notices (their webhooks): `POST /v1/webhooks/{processor}`, one route for every
processor in the registry that sends them.

Authenticated by the processor's signature, not an API key. A bad signature is a 400 and
changes nothing; an event already handled is a 200 and changes nothing; an event about a
payment is delivered to its workflow (payment_saga/steering/notices.py) before the 200.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from api.deps import ServicesDep
from api.headers import signature
from api.responses import error_response
from api.schemas import NO_NUL
from payment_saga.domain.errors import ResourceMissing
from payment_saga.processors.registry import PROCESSORS

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
# 422 as on every route with parameters (the API's own error shape, never FastAPI's).
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: error_response(status) for status in (400, 404, 422)
}


class WebhookReceipt(BaseModel):
    received: bool = True
    # The same event id came before: nothing was done again.
    duplicate: bool = False
    # The payment the event is about, if it is about one of ours.
    payment_id: str | None = None


@router.post("/{processor}", responses=RESPONSES)
async def receive_processor_notice(
    processor: Annotated[str, Path(pattern=NO_NUL)], request: Request, built: ServicesDep
) -> WebhookReceipt:
    """A processor's signed notice: Stripe's in `Stripe-Signature` (STRIPE_WEBHOOK_SECRET),
    Authorize.Net's in `X-ANET-Signature` (AUTHORIZENET_SIGNATURE_KEY); docs/processors.md,
    "Webhooks". 404 for a processor that sends none, or whose secret is not set."""
    found = PROCESSORS.get(processor)
    if found is None or found.signature_header is None or found.read_notice is None:
        raise ResourceMissing(f"no notices are taken from {processor!r}")
    header = found.signature_header
    signature(request.headers.get(header, ""), header)  # there, and readable
    notice = await found.read_notice(built.settings, await request.body(), request.headers)
    return WebhookReceipt(**await built.notices.deliver(notice))
