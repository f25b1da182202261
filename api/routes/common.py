"""What the v1 routes share: their path and header parameters, the idempotent run of a write,
and the ids derived from an Idempotency-Key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any

import orjson
from fastapi import Header, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api import schemas
from api.errors import on_rejected
from api.idempotency import IdempotencyStore, StoredResponse, derived_id, request_fingerprint
from payment_saga.db.apikeys import Principal
from payment_saga.domain import limits
from payment_saga.domain.errors import InvalidRequest, RequestRejected

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
