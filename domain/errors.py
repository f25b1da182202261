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


class GatewayNotFound(PaymentSagaError):
    code = "resource_missing"
