"""Payments: create, read, list, capture, cancel, and a payment's timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api import schemas
from api.deps import (
    CommandsDep,
    IdempotencyDep,
    QueriesDep,
    ReadPayments,
    SettingsDep,
    WritePayments,
)
from api.headers import prefer_wait
from api.idempotency import derived_id
from api.queries import PaymentFilter
from api.responses import ERRORS, steering_responses
from api.routes.common import (
    PAYMENTS,
    IdempotencyKey,
    OptionalIdempotencyKey,
    PaymentId,
    Prefer,
    check_max_amount,
    idempotent,
    scope_of,
    step_update_id,
)
from payment_saga.domain import limits
from payment_saga.domain.errors import InvalidRequest
from payment_saga.domain.states import PaymentStatus

router = APIRouter(prefix="/v1")


@router.post(
    "/payments",
    tags=PAYMENTS,
    status_code=201,
    response_model=schemas.PaymentOut,
    responses={
        402: {"model": schemas.ErrorOut, "description": "declined: a card_error with the payment"},
        **steering_responses(schemas.PaymentOut),
    },
    summary="Create a payment",
)
async def create_payment(
    request: Request,
    body: schemas.PaymentCreate,
    principal: WritePayments,
    idempotency_key: IdempotencyKey,
    settings: SettingsDep,
    commands: CommandsDep,
    store: IdempotencyDep,
    prefer: Prefer = None,
) -> JSONResponse:
    wait = prefer_wait(prefer, settings.api.max_wait_seconds)
    check_max_amount(body.amount, body.currency, settings.payments.max_amount_for(body.currency))
    check_return_url(body)

    async def work(generation: str) -> tuple[int, BaseModel]:
        payment_id = derived_id("pay", *scope_of(principal, generation), idempotency_key)
        return await commands.create(
            principal.account_id, payment_id, body, wait
        )  # a decline raises CardError (402)

    # The card under every fingerprint key: a retry across a key rotation is the same request.
    identity, *before = [body.identity(f) for f in commands.card_fingerprints(body.payment_method)]
    return await idempotent(
        request, store, principal, idempotency_key, identity, work, same_as=before
    )


@router.get("/payments", tags=PAYMENTS, response_model=schemas.PaymentList, responses=ERRORS)
async def list_payments(
    principal: ReadPayments,
    queries: QueriesDep,
    order_id: Annotated[
        str | None, Query(max_length=limits.ORDER_ID_MAX, pattern=schemas.NO_NUL)
    ] = None,
    status: PaymentStatus | None = None,
    gateway_reference: Annotated[
        str | None,
        Query(
            max_length=limits.GATEWAY_REFERENCE_MAX,
            pattern=schemas.NO_NUL,
            description="the processor's id of the payment or of one of its refunds",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    starting_after: Annotated[
        str | None, Query(max_length=limits.ID_MAX, pattern=schemas.NO_NUL)
    ] = None,
) -> schemas.PaymentList:
    found = PaymentFilter(order_id, status, gateway_reference)
    return await queries.payments(principal.account_id, found, limit, starting_after)


@router.get(
    "/payments/{payment_id}", tags=PAYMENTS, response_model=schemas.PaymentOut, responses=ERRORS
)
async def get_payment(
    payment_id: PaymentId, principal: ReadPayments, queries: QueriesDep
) -> schemas.PaymentOut:
    return await queries.payment(principal.account_id, payment_id)


@router.post(
    "/payments/{payment_id}/capture",
    tags=PAYMENTS,
    response_model=schemas.PaymentOut,
    responses=steering_responses(schemas.PaymentOut),
)
async def capture_payment(
    request: Request,
    payment_id: PaymentId,
    principal: WritePayments,
    settings: SettingsDep,
    commands: CommandsDep,
    store: IdempotencyDep,
    body: schemas.CaptureBody | None = None,
    idempotency_key: OptionalIdempotencyKey = None,
    prefer: Prefer = None,
) -> JSONResponse:
    body = body or schemas.CaptureBody()
    wait = prefer_wait(prefer, settings.api.max_wait_seconds)

    async def work(generation: str) -> tuple[int, BaseModel]:
        update_id = step_update_id("cap", principal, generation, payment_id, idempotency_key)
        return await commands.capture(
            principal.account_id, payment_id, body.amount, wait, update_id
        )

    return await idempotent(request, store, principal, idempotency_key, body.model_dump(), work)


@router.post(
    "/payments/{payment_id}/cancel",
    tags=PAYMENTS,
    response_model=schemas.PaymentOut,
    responses=steering_responses(schemas.PaymentOut),
)
async def cancel_payment(
    request: Request,
    payment_id: PaymentId,
    principal: WritePayments,
    settings: SettingsDep,
    commands: CommandsDep,
    store: IdempotencyDep,
    body: schemas.CancelBody | None = None,
    idempotency_key: OptionalIdempotencyKey = None,
    prefer: Prefer = None,
) -> JSONResponse:
    body = body or schemas.CancelBody()
    wait = prefer_wait(prefer, settings.api.max_wait_seconds)

    async def work(generation: str) -> tuple[int, BaseModel]:
        update_id = step_update_id("can", principal, generation, payment_id, idempotency_key)
        refunds_allowed = "refunds:write" in principal.scopes
        return await commands.cancel(
            principal.account_id, payment_id, body.reason, wait, update_id, refunds_allowed
        )

    return await idempotent(request, store, principal, idempotency_key, body.model_dump(), work)


@router.get(
    "/payments/{payment_id}/timeline",
    tags=PAYMENTS,
    response_model=schemas.Timeline,
    responses=ERRORS,
)
async def get_payment_timeline(
    payment_id: PaymentId, principal: ReadPayments, queries: QueriesDep
) -> schemas.Timeline:
    return await queries.timeline(principal.account_id, payment_id)


def check_return_url(body: schemas.PaymentCreate) -> None:
    """A payment that will send the customer to a processor's page needs somewhere to come back
    to: PayPal's, and a card requesting 3-D Secure."""
    if body.return_url is not None:
        return
    if body.payment_method.type == "paypal":
        needs = "a PayPal payment needs return_url: the payer approves on PayPal's page"
    elif body.requests_three_d_secure:
        needs = (
            "request_three_d_secure any needs return_url: the customer authenticates on the"
            " issuer's page"
        )
    else:
        return
    raise InvalidRequest(
        f"{needs} and comes back there", code="parameter_missing", param="return_url"
    )
