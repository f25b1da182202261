"""The v1 routes. Thin: parse, authorize, run a command or query, shape the response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Path, Query, Request
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
    WriteRefunds,
)
from api.errors import on_rejected
from api.headers import prefer_wait
from api.idempotency import IdempotencyStore, StoredResponse, derived_id, request_fingerprint
from payment_saga.db.apikeys import Principal
from payment_saga.domain import limits
from payment_saga.domain.cards import SUPPORTED_BRANDS
from payment_saga.domain.errors import InvalidRequest, RequestRejected
from payment_saga.domain.messages import RefundRequest
from payment_saga.domain.states import PaymentStatus

router = APIRouter(prefix="/v1")
PAYMENTS: list[str | Enum] = ["payments"]
REFUNDS: list[str | Enum] = ["refunds"]
SERVICE: list[str | Enum] = ["service"]
# Any id is looked up (unknown ones are 404); NUL, which PostgreSQL cannot compare, is a 400.
PaymentId = Annotated[str, Path(pattern=schemas.NO_NUL)]
RefundId = Annotated[str, Path(pattern=schemas.NO_NUL)]
IDEMPOTENCY_KEY_HELP = (
    "Your key for this write (an order id and attempt, a UUID): retry a timed-out or failed"
    " request with the same key, never a new one. Kept 24 h per account."
)
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=limits.IDEMPOTENCY_KEY_MAX,
        description=IDEMPOTENCY_KEY_HELP,
    ),
]
OptionalIdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=limits.IDEMPOTENCY_KEY_MAX,
        description=IDEMPOTENCY_KEY_HELP,
    ),
]
Prefer = Annotated[
    str | None,
    Header(description="`wait=N` (N <= API_MAX_WAIT_SECONDS, 30): wait up to N s for the outcome"),
]
# Every error status a route can answer, each with an example body.
ERROR_EXAMPLES = {
    400: (
        "invalid_request_error",
        "amount_too_large",
        "amount must be at most 99999999 minor units of USD",
        "amount",
    ),
    401: (
        "authentication_error",
        "invalid_api_key",
        "send `Authorization: Bearer <api key>`",
        None,
    ),
    403: ("permission_error", "missing_scope", "the API key lacks the `refunds:write` scope", None),
    404: (
        "invalid_request_error",
        "resource_missing",
        "no payment pay_3f2a9c1b7e5d4a0c8b6e1f2a",
        "id",
    ),
    409: ("invalid_request_error", "payment_not_refundable", "a failed payment", None),
    422: (
        "idempotency_error",
        "idempotency_key_reused",
        "this Idempotency-Key was used with a different request",
        "Idempotency-Key",
    ),
    429: ("rate_limit_error", "rate_limit_exceeded", "too many requests for this account", None),
    503: (
        "api_error",
        "temporarily_unavailable",
        "the payment's workflow did not take the request in time; retry with the same"
        " Idempotency-Key",
        None,
    ),
}


def error_response(status: int, description: str | None = None) -> dict[str, Any]:
    error_type, code, message, param = ERROR_EXAMPLES[status]
    example = {
        "error": {"type": error_type, "code": code, "message": message, "param": param,
                  "decline_code": None},
        "request_id": "req_5b8e0c6f1d2a4e3b",
    }  # fmt: skip
    response: dict[str, Any] = {
        "model": schemas.ErrorOut,
        "content": {"application/json": {"example": example}},
    }
    if description is not None:
        response["description"] = description
    return response


ERRORS: dict[int | str, dict[str, Any]] = {
    code: error_response(code) for code in (400, 401, 403, 404, 409, 422, 429)
}


# Writes that wait for a workflow: 202 past the wait, 503 when the workflow did not take it.
def steering_responses(model: type[Any]) -> dict[int | str, dict[str, Any]]:
    return {
        202: {"model": model, "description": "accepted; the outcome is not known yet"},
        503: error_response(503, "not taken in time: retry with the same Idempotency-Key"),
        **ERRORS,
    }


# Given the Idempotency-Key's generation (part of derived ids), answers status and body.
Work = Callable[[str], Awaitable[tuple[int, BaseModel]]]


def check_max_amount(amount: int, currency: str, max_amount: int) -> None:
    """Before the Idempotency-Key is claimed: a refused amount leaves nothing behind."""
    if amount > max_amount:
        raise InvalidRequest(
            f"amount must be at most {max_amount} minor units of {currency}",
            code="amount_too_large",
            param="amount",
        )


def scope_of(principal: Principal, generation: str) -> tuple[str, ...]:
    """What a derived id is scoped to: the account and the key's generation. Keys claimed
    before generations existed (generation "") keep the ids they had, scoped to the API key."""
    return (principal.account_id, generation) if generation else (principal.key_id,)


def step_update_id(
    prefix: str, principal: Principal, generation: str, payment_id: str, key: str | None
) -> str | None:
    """A capture's or cancel's update id, from its Idempotency-Key and generation: a retry
    joins the update sent before. No key: a new update each time (the SDK's random id)."""
    if key is None:
        return None
    return derived_id(prefix, *scope_of(principal, generation), payment_id, key)


async def idempotent(
    request: Request,
    store: IdempotencyStore,
    principal: Principal,
    key: str | None,
    body: Any,
    work: Work,
    same_as: list[Any] | None = None,
) -> JSONResponse:
    """Run `work` once per (API key, Idempotency-Key) generation; replay its answer to repeats.

    `body` is what identifies the request: never a card number or CVC (see `request_identity`).
    """
    if key is None:
        status, view = await work("")
        return JSONResponse(view.model_dump(mode="json"), status_code=status)
    fingerprint = request_fingerprint(request.method, request.url.path, body)
    also = [request_fingerprint(request.method, request.url.path, b) for b in same_as or []]
    claim = await store.claim(principal.account_id, key, fingerprint, also)
    if claim.replay is not None:
        headers = {"Idempotent-Replayed": "true"}
        return JSONResponse(claim.replay.body, status_code=claim.replay.status, headers=headers)
    try:
        status, view = await work(claim.generation)
        payload = view.model_dump(mode="json")
    except RequestRejected as error:
        rejected = await on_rejected(request, error)
        status, payload = rejected.status_code, orjson.loads(rejected.body)
    except BaseException:
        await store.release(principal.account_id, key)
        raise
    await store.complete(principal.account_id, key, StoredResponse(status, payload))
    return JSONResponse(payload, status_code=status)


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
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    starting_after: Annotated[
        str | None, Query(max_length=limits.ID_MAX, pattern=schemas.NO_NUL)
    ] = None,
) -> schemas.PaymentList:
    return await queries.payments(principal.account_id, order_id, status, limit, starting_after)


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


@router.get("/payment-methods", tags=SERVICE, responses=ERRORS)
async def list_payment_methods(principal: ReadPayments) -> dict[str, Any]:
    return {"object": "list", "data": [{"type": "card", "card": {"brands": SUPPORTED_BRANDS}}]}


@router.get("/_info", tags=SERVICE)
async def get_service_info(request: Request) -> dict[str, str]:
    return {"service": "payment-saga", "version": request.app.version}
