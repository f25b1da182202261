"""What the OpenAPI document says each route may answer: every error status with an example
body, and the 202/503 of writes that wait for a workflow."""

from __future__ import annotations

from typing import Any

from api import schemas

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
