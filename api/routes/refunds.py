"""Refunds of a payment: create, list, read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api import schemas
from api.deps import (
    CommandsDep,
    IdempotencyDep,
    QueriesDep,
    ReadPayments,
    SettingsDep,
    WriteRefunds,
)
from api.headers import prefer_wait
from api.idempotency import derived_id
from api.responses import ERRORS, steering_responses
from api.routes.common import (
    REFUNDS,
    IdempotencyKey,
    PaymentId,
    Prefer,
    RefundId,
    idempotent,
    scope_of,
)
from payment_saga.domain.messages import RefundRequest

router = APIRouter(prefix="/v1")


@router.post(
    "/payments/{payment_id}/refunds",
    tags=REFUNDS,
    status_code=201,
    response_model=schemas.RefundOut,
    responses=steering_responses(schemas.RefundOut),
)
async def create_refund(
    request: Request,
    payment_id: PaymentId,
    principal: WriteRefunds,
    idempotency_key: IdempotencyKey,
    settings: SettingsDep,
    commands: CommandsDep,
    store: IdempotencyDep,
    body: schemas.RefundCreate | None = None,
    prefer: Prefer = None,
) -> JSONResponse:
    body = body or schemas.RefundCreate()
    wait = prefer_wait(prefer, settings.api.max_wait_seconds)

    async def work(generation: str) -> tuple[int, BaseModel]:
        # The payment is part of the refund's id: one key used on two payments (after it
        # expired) names two refunds, never the first payment's refund for the second. Keys
        # claimed before generations existed (generation "") keep the id they had.
        scope = (payment_id, idempotency_key) if generation else (idempotency_key,)
        refund_id = derived_id("re", *scope_of(principal, generation), *scope)
        refund = RefundRequest(refund_id=refund_id, amount=body.amount, reason=body.reason)
        return await commands.refund(principal.account_id, payment_id, refund, wait)

    return await idempotent(request, store, principal, idempotency_key, body.model_dump(), work)


@router.get(
    "/payments/{payment_id}/refunds",
    tags=REFUNDS,
    response_model=schemas.RefundList,
    responses=ERRORS,
)
async def list_refunds(
    payment_id: PaymentId, principal: ReadPayments, queries: QueriesDep
) -> schemas.RefundList:
    return await queries.refunds(principal.account_id, payment_id)


@router.get(
    "/refunds/{refund_id}", tags=REFUNDS, response_model=schemas.RefundOut, responses=ERRORS
)
async def get_refund(
    refund_id: RefundId, principal: ReadPayments, queries: QueriesDep
) -> schemas.RefundOut:
    return await queries.refund(principal.account_id, refund_id)
