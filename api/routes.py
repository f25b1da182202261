"""The v1 routes. Thin: parse, authorize, run a command or query, shape the response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from api import schemas
from api.deps import ReadPayments, WritePayments, WriteRefunds
from api.errors import on_rejected
from api.idempotency import StoredResponse, derived_id, request_fingerprint
from api.keys import Principal
from domain.cards import SUPPORTED_BRANDS
from domain.errors import InvalidRequest, RequestRejected
from domain.messages import RefundRequest

router = APIRouter(prefix="/v1")
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=255)]
OptionalIdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
]
Prefer = Annotated[str | None, Header(description="`wait=N` (N <= 30): wait for the outcome")]
Status = Literal[
    "pending", "authorized", "captured", "partially_refunded", "refunded", "failed", "canceled"
]
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorOut} for code in (400, 401, 403, 404, 409, 422, 429)
}
Work = Callable[[], Awaitable[tuple[int, dict[str, Any]]]]


def parse_prefer(prefer: str | None, max_wait: int) -> int | None:
    if prefer is None:
        return None
    for part in prefer.split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "wait":
            if not value.strip().isdigit() or int(value) > max_wait:
                raise InvalidRequest(
                    f"Prefer: wait=N takes N from 0 to {max_wait}",
                    code="invalid_prefer",
                    param="Prefer",
                )
            return int(value)
    return None


async def idempotent(
    request: Request, principal: Principal, key: str | None, body: Any, work: Work
) -> JSONResponse:
    """Run `work` once per (API key, Idempotency-Key); replay its answer to repeats."""
    if key is None:
        status, payload = await work()
        return JSONResponse(payload, status_code=status)
    store = request.app.state.idempotency
    fingerprint = request_fingerprint(request.method, request.url.path, body)
    stored = await store.claim(principal.key_id, key, fingerprint)
    if stored is not None:
        headers = {"Idempotent-Replayed": "true"}
        return JSONResponse(stored.body, status_code=stored.status, headers=headers)
    try:
        status, payload = await work()
    except RequestRejected as error:
        rejected = await on_rejected(request, error)
        status, payload = rejected.status_code, orjson.loads(rejected.body)
    except BaseException:
        await store.release(principal.key_id, key)
        raise
    await store.complete(principal.key_id, key, StoredResponse(status, payload))
    return JSONResponse(payload, status_code=status)


@router.post(
    "/payments",
    status_code=201,
    response_model=schemas.PaymentOut,
    responses={
        202: {"model": schemas.PaymentOut, "description": "accepted; the outcome is not known yet"},
        402: {"model": schemas.ErrorOut, "description": "declined: a card_error with the payment"},
        **ERRORS,
    },
    summary="Create a payment",
)
async def create_payment(
    request: Request,
    body: schemas.PaymentCreate,
    principal: WritePayments,
    idempotency_key: IdempotencyKey,
    prefer: Prefer = None,
) -> JSONResponse:
    wait = parse_prefer(prefer, request.app.state.settings.api.max_wait_seconds)
    payment_id = derived_id("pay", principal.key_id, idempotency_key)

    async def work() -> tuple[int, dict[str, Any]]:
        status, payment = await request.app.state.commands.create(payment_id, body, wait)
        if status == 402:
            failure = payment["failure"] or {}
            body_402 = {
                "error": {
                    "type": "card_error",
                    "code": failure.get("code", "card_declined"),
                    "message": failure.get("message") or "the card was declined",
                    "param": None,
                    "decline_code": failure.get("decline_code"),
                    "payment": payment,
                },
                "request_id": request.state.request_id,
            }
            return 402, body_402
        return status, payment

    return await idempotent(request, principal, idempotency_key, body.model_dump(), work)


@router.get("/payments", response_model=schemas.PaymentList, responses=ERRORS)
async def list_payments(
    request: Request,
    principal: ReadPayments,
    order_id: str | None = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    starting_after: str | None = None,
) -> dict[str, Any]:
    queries = request.app.state.queries
    result: dict[str, Any] = await queries.payments(order_id, status, limit, starting_after)
    return result


@router.get("/payments/{payment_id}", response_model=schemas.PaymentOut, responses=ERRORS)
async def get_payment(request: Request, payment_id: str, principal: ReadPayments) -> Any:
    return await request.app.state.queries.payment(payment_id)


@router.post("/payments/{payment_id}/capture", response_model=schemas.PaymentOut, responses=ERRORS)
async def capture_payment(
    request: Request,
    payment_id: str,
    principal: WritePayments,
    body: schemas.CaptureBody | None = None,
    idempotency_key: OptionalIdempotencyKey = None,
) -> JSONResponse:
    body = body or schemas.CaptureBody()
    commands = request.app.state.commands

    async def work() -> tuple[int, dict[str, Any]]:
        return 200, await commands.capture(payment_id, body.amount)

    return await idempotent(request, principal, idempotency_key, body.model_dump(), work)


@router.post("/payments/{payment_id}/cancel", response_model=schemas.PaymentOut, responses=ERRORS)
async def cancel_payment(
    request: Request,
    payment_id: str,
    principal: WritePayments,
    body: schemas.CancelBody | None = None,
    idempotency_key: OptionalIdempotencyKey = None,
) -> JSONResponse:
    body = body or schemas.CancelBody()
    commands = request.app.state.commands

    async def work() -> tuple[int, dict[str, Any]]:
        return 200, await commands.cancel(payment_id, body.reason)

    return await idempotent(request, principal, idempotency_key, body.model_dump(), work)


@router.post(
    "/payments/{payment_id}/refunds",
    status_code=201,
    response_model=schemas.RefundOut,
    responses=ERRORS,
)
async def create_refund(
    request: Request,
    payment_id: str,
    principal: WriteRefunds,
    idempotency_key: IdempotencyKey,
    body: schemas.RefundCreate | None = None,
) -> JSONResponse:
    body = body or schemas.RefundCreate()
    refund = RefundRequest(
        refund_id=derived_id("re", principal.key_id, idempotency_key),
        amount=body.amount,
        reason=body.reason,
    )
    commands = request.app.state.commands

    async def work() -> tuple[int, dict[str, Any]]:
        return 201, await commands.refund(payment_id, refund)

    return await idempotent(request, principal, idempotency_key, body.model_dump(), work)


@router.get("/payments/{payment_id}/refunds", response_model=schemas.RefundList, responses=ERRORS)
async def list_refunds(request: Request, payment_id: str, principal: ReadPayments) -> Any:
    return await request.app.state.queries.refunds(payment_id)


@router.get("/refunds/{refund_id}", response_model=schemas.RefundOut, responses=ERRORS)
async def get_refund(request: Request, refund_id: str, principal: ReadPayments) -> Any:
    return await request.app.state.queries.refund(refund_id)


@router.get("/payments/{payment_id}/timeline", response_model=schemas.Timeline, responses=ERRORS)
async def payment_timeline(request: Request, payment_id: str, principal: ReadPayments) -> Any:
    return await request.app.state.queries.timeline(payment_id)


@router.get("/payment-methods", responses=ERRORS)
async def payment_methods(principal: ReadPayments) -> dict[str, Any]:
    return {"object": "list", "data": [{"type": "card", "card": {"brands": SUPPORTED_BRANDS}}]}


@router.get("/_info")
async def info(request: Request) -> dict[str, str]:
    return {"service": "payment-saga", "version": request.app.version}
