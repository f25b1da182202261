"""What the service offers and is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.deps import ReadPayments
from api.responses import ERRORS
from api.routes.common import SERVICE
from payment_saga.domain.cards import SUPPORTED_BRANDS

router = APIRouter(prefix="/v1")


@router.get("/payment-methods", tags=SERVICE, responses=ERRORS)
async def list_payment_methods(principal: ReadPayments) -> dict[str, Any]:
    return {"object": "list", "data": [{"type": "card", "card": {"brands": SUPPORTED_BRANDS}}]}


@router.get("/_info", tags=SERVICE)
async def get_service_info(request: Request) -> dict[str, str]:
    return {"service": "payment-saga", "version": request.app.version}
