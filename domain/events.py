"""The event types published on Kafka, one per kind of state change."""

PAYMENT_AUTHORIZED = "payment.authorized"
PAYMENT_SUCCEEDED = "payment.succeeded"  # funds captured
PAYMENT_FAILED = "payment.failed"
PAYMENT_CANCELED = "payment.canceled"
PAYMENT_REFUNDED = "payment.refunded"  # each successful refund, with the totals
PAYMENT_REFUND_FAILED = "payment.refund_failed"

EVENT_TYPES = (
    PAYMENT_AUTHORIZED,
    PAYMENT_SUCCEEDED,
    PAYMENT_FAILED,
    PAYMENT_CANCELED,
    PAYMENT_REFUNDED,
    PAYMENT_REFUND_FAILED,
)
REFUND_EVENT_TYPES = (PAYMENT_REFUNDED, PAYMENT_REFUND_FAILED)
