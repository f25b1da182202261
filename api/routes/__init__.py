"""The v1 routes, one module per resource. Thin: parse, authorize, run a command or query,
shape the response."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import payments, refunds, service

router = APIRouter(prefix="/v1")
router.include_router(payments.router)
router.include_router(refunds.router)
router.include_router(service.router)
