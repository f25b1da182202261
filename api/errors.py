"""Every error leaves the API in one shape: {"error": {type, code, message, param}, request_id}.

Domain exceptions map to HTTP here and nowhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from payment_saga.domain.errors import (
    CardError,
    GatewayTransientError,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InvalidRequest,
    NotAuthenticated,
    NotPermitted,
    RateLimited,
    RequestRejected,
    ResourceMissing,
    ServiceBusy,
    StateConflict,
)

log = logging.getLogger("payment_saga.api")

STATUS_BY_ERROR: dict[type[RequestRejected], int] = {
    InvalidRequest: 400,
    NotAuthenticated: 401,
    CardError: 402,
    NotPermitted: 403,
    ResourceMissing: 404,
    StateConflict: 409,
    IdempotencyKeyInUse: 409,
    IdempotencyKeyReused: 422,
    RateLimited: 429,
}
# Pydantic error types that mean "missing" rather than "malformed".
MISSING_TYPES = {"missing"}
# Codes our own validators raise (api/schemas.py); anything else is `parameter_invalid`.
CUSTOM_CODES = {
    "incorrect_number", "invalid_expiry", "expired_card", "invalid_cvc", "invalid_currency",
    "invalid_metadata", "invalid_url", "invalid_idempotency_key", "invalid_prefer",
    "invalid_characters",
}  # fmt: skip


PAYMENT_METHOD_TYPES = ("card", "token")


def error_body(request: Request, error_type: str, code: str, message: str, **extra: Any) -> Any:
    error = {"type": error_type, "code": code, "message": message, "param": None}
    error["decline_code"] = None
    error.update(extra)
    return {"error": error, "request_id": getattr(request.state, "request_id", None)}


def _param(location: Sequence[Any]) -> str | None:
    # ("body", "payment_method", "card", "card", "number") -> "payment_method.card.number": the
    # payment method is a union told apart by `type`, and pydantic puts the type in the path.
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    if parts[:1] == ["payment_method"] and len(parts) > 2 and parts[1] in PAYMENT_METHOD_TYPES:
        del parts[1]
    return ".".join(parts) or None


async def on_rejected(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestRejected)
    status = STATUS_BY_ERROR.get(type(error), 400)
    extra: dict[str, Any] = {"param": error.param, "decline_code": error.decline_code}
    if error.payment is not None:
        extra["payment"] = error.payment
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
    body = error_body(request, error.error_type, error.code, error.message, **extra)
    return JSONResponse(body, status_code=status, headers=headers)


async def on_validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0] if error.errors() else {"type": "invalid", "loc": (), "msg": ""}
    kind = str(first.get("type", "invalid"))
    if kind == "json_invalid":
        code, message = "invalid_json", "the request body is not valid JSON"
    elif kind in MISSING_TYPES or kind == "union_tag_not_found":
        code, message = "parameter_missing", "a required parameter is missing"
    else:
        code = kind if kind in CUSTOM_CODES else "parameter_invalid"
        message = str(first.get("msg", "invalid parameter"))
    # Never echo the input back: it may be a card number.
    body = error_body(request, "invalid_request_error", code, message, param=_param(first["loc"]))
    return JSONResponse(body, status_code=400)


async def on_http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    codes = {404: "resource_missing", 405: "method_not_allowed"}
    code = codes.get(error.status_code, "invalid_request")
    body = error_body(request, "invalid_request_error", code, str(error.detail))
    # Starlette's own headers stay: a 405 says which methods the route takes (`Allow`, RFC 9110).
    return JSONResponse(body, status_code=error.status_code, headers=error.headers)


async def on_gateway_unavailable(request: Request, error: Exception) -> JSONResponse:
    # Tokenizing needs the gateway; when it is down, say so and let the client retry.
    body = error_body(
        request, "api_error", "gateway_unavailable", "the payment gateway is unavailable"
    )
    return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})


async def on_busy(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ServiceBusy)
    body = error_body(request, "api_error", error.code, error.message)
    return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})


async def on_database_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DBAPIError)
    if not error.connection_invalidated:
        return await on_unexpected(request, error)
    # PostgreSQL dropped the connection (restarted, failed over): the pool has let go of every
    # connection made before, and the retry gets a fresh one.
    log.warning("database connection lost: %s", error.orig)
    body = error_body(
        request, "api_error", "temporarily_unavailable", "the database connection was lost"
    )
    return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})


async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=error)
    body = error_body(request, "api_error", "internal_error", "an internal error occurred")
    return JSONResponse(body, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestRejected, on_rejected)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(GatewayTransientError, on_gateway_unavailable)
    app.add_exception_handler(ServiceBusy, on_busy)
    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(Exception, on_unexpected)
