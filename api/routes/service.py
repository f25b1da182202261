"""What the service offers and is."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import ReadPayments, SettingsDep
from api.responses import ERRORS
from api.routes.common import SERVICE
from api.schemas import CardMethod, PaymentMethodInfo, PaymentMethodList
from payment_saga.domain.cards import SUPPORTED_BRANDS
from payment_saga.processors.registry import processors_in_use

router = APIRouter(prefix="/v1")


@router.get("/payment-methods", tags=SERVICE, response_model=PaymentMethodList, responses=ERRORS)
async def list_payment_methods(principal: ReadPayments, settings: SettingsDep) -> PaymentMethodList:
    """What this deployment takes, from its configuration: cards (the brands the processors
    in use take, and whether they may ask for 3-D Secure), and PayPal (GATEWAY_PAYPAL, or
    GATEWAY_KIND=paypal)."""
    in_use = processors_in_use(settings)
    processors = [processor for processor in in_use if "card" in processor.payment_methods]
    taken = {brand for processor in processors for brand in processor.card_brands}
    card = CardMethod(
        brands=[brand for brand in SUPPORTED_BRANDS if brand in taken],
        three_d_secure=any(processor.three_d_secure for processor in processors),
        processors=[processor.name for processor in processors],
    )
    paypal = any("paypal" in processor.payment_methods for processor in in_use)
    return PaymentMethodList(
        object="list",
        data=[
            PaymentMethodInfo(type="card", enabled=bool(processors), card=card),
            PaymentMethodInfo(type="paypal", enabled=paypal),
        ],
    )


@router.get("/_info", tags=SERVICE)
async def get_service_info(request: Request) -> dict[str, str]:
    return {"service": "payment-saga", "version": request.app.version}
