"""Processors' webhooks: `POST /v1/webhooks/stripe` and `/v1/webhooks/authorizenet`.

Authenticated by the processor's signature, not an API key. A bad signature is a 400 and
changes nothing; an event already handled is a 200 and changes nothing; an event about a
payment is delivered to its workflow (payment_saga/steering/notices.py) before the 200.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from api.deps import ServicesDep
from api.headers import signature
from api.routes import error_response
from payment_saga.domain.errors import ResourceMissing
from payment_saga.processors.notices import authorizenet_event, stripe_event

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: error_response(status) for status in (400, 404)
}


class WebhookReceipt(BaseModel):
    received: bool = True
    # The same event id came before: nothing was done again.
    duplicate: bool = False
    # The payment the event is about, if it is about one of ours.
    payment_id: str | None = None


@router.post("/stripe", responses=RESPONSES)
async def receive_stripe_event(request: Request, built: ServicesDep) -> WebhookReceipt:
    """A Stripe event, signed in its `Stripe-Signature` header with STRIPE_WEBHOOK_SECRET."""
    stripe_signature = signature(request.headers.get("Stripe-Signature", ""), "Stripe-Signature")
    secret = built.settings.stripe.webhook_secret
    if secret is None:
        raise ResourceMissing("Stripe webhooks are not set up (STRIPE_WEBHOOK_SECRET)")
    event = stripe_event(await request.body(), stripe_signature, secret.get_secret_value())
    return WebhookReceipt(**await built.notices.deliver(event))


@router.post("/authorizenet", responses=RESPONSES)
async def receive_authorizenet_event(request: Request, built: ServicesDep) -> WebhookReceipt:
    """An Authorize.Net event, signed in its `X-ANET-Signature` header with
    AUTHORIZENET_SIGNATURE_KEY."""
    anet_signature = signature(request.headers.get("X-ANET-Signature", ""), "X-ANET-Signature")
    key = built.settings.authorizenet.signature_key
    if key is None:
        raise ResourceMissing("Authorize.Net webhooks are not set up (AUTHORIZENET_SIGNATURE_KEY)")
    event = authorizenet_event(await request.body(), anet_signature, key.get_secret_value())
    return WebhookReceipt(**await built.notices.deliver(event))
