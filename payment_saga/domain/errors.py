"""Every domain exception, in one module. The API maps them to HTTP in one handler."""

from __future__ import annotations


class PaymentSagaError(Exception):
    code = "api_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class GatewayDeclined(PaymentSagaError):
    """The gateway said no for good: a card decline, a refused capture or refund."""

    code = "card_declined"

    def __init__(self, code: str, message: str, decline_code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.decline_code = decline_code


class GatewayTransientError(PaymentSagaError):
    """The gateway failed in a way a retry with the same idempotency key can fix."""

    code = "processing_error"


class GatewayOutcomeUnknown(GatewayTransientError):
    """The request may have been applied but its answer was lost (timeout, 504)."""

    code = "gateway_timeout"


class LedgerMismatch(PaymentSagaError):
    """A row is not the one a step addresses (a refund id of another payment): a bug, never
    retried, never written over."""

    code = "ledger_mismatch"


class ServiceBusy(PaymentSagaError):
    """A request could not be handed to its workflow in time; nothing was decided, retry it."""

    code = "temporarily_unavailable"


class GatewayNotFound(GatewayDeclined):
    """The processor knows no such object (authorization, refund, token): an answer retrying
    cannot change, so the step ends with it recorded, never in a retry loop."""

    def __init__(self, message: str) -> None:
        super().__init__("resource_missing", message)


class RequestRejected(PaymentSagaError):
    """A request refused for a reason the caller can act on; the API maps each subclass."""

    error_type = "invalid_request_error"
    code = "invalid_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        payment: dict[str, object] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.param = param
        self.decline_code = decline_code
        self.payment = payment
        self.retry_after = retry_after


class InvalidRequest(RequestRejected):
    pass


class ResourceMissing(RequestRejected):
    code = "resource_missing"


class StateConflict(RequestRejected):
    """The payment's state does not allow the operation (payment_not_capturable, ...)."""


class IdempotencyKeyInUse(RequestRejected):
    error_type = "idempotency_error"
    code = "idempotency_key_in_use"


class IdempotencyKeyReused(RequestRejected):
    error_type = "idempotency_error"
    code = "idempotency_key_reused"


class CardError(RequestRejected):
    error_type = "card_error"
    code = "card_declined"


class NotAuthenticated(RequestRejected):
    error_type = "authentication_error"
    code = "invalid_api_key"


MISSING_SCOPE = "missing_scope"
# Said by the edge (on the row) and by the run (on its state) alike.
REFUND_BY_CANCEL = "canceling a captured payment refunds it: the API key needs `refunds:write`"


class NotPermitted(RequestRejected):
    error_type = "permission_error"
    code = MISSING_SCOPE


class RateLimited(RequestRejected):
    error_type = "rate_limit_error"
    code = "rate_limit_exceeded"
