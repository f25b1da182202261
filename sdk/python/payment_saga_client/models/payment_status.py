from enum import StrEnum


class PaymentStatus(StrEnum):
    AUTHORIZED = "authorized"
    CANCELED = "canceled"
    CAPTURED = "captured"
    FAILED = "failed"
    OUTCOME_UNKNOWN = "outcome_unknown"
    PARTIALLY_REFUNDED = "partially_refunded"
    PENDING = "pending"
    REFUNDED = "refunded"
    REQUIRES_ACTION = "requires_action"

    def __str__(self) -> str:
        return str(self.value)
