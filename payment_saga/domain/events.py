"""The event types published on Kafka, one per kind of state change."""

# The processor asks for the customer (3-D Secure, an approval page): the payment's
# `next_action` says where to send them (docs/api.md, "Customer actions").
PAYMENT_REQUIRES_ACTION = "payment.requires_action"
PAYMENT_AUTHORIZED = "payment.authorized"
PAYMENT_SUCCEEDED = "payment.succeeded"  # funds captured
PAYMENT_FAILED = "payment.failed"
PAYMENT_CANCELED = "payment.canceled"
PAYMENT_REFUNDED = "payment.refunded"  # each successful refund, with the totals
PAYMENT_REFUND_FAILED = "payment.refund_failed"
# A capture or refund the gateway could not confirm either way: an operator resolves it, and
# the resolution brings the usual event (succeeded / failed, refunded / refund_failed).
PAYMENT_OUTCOME_UNKNOWN = "payment.outcome_unknown"
# An operator's cancellation from Temporal that the payment's state refuses (nothing left to
# cancel, or an outcome unknown): recorded, nothing changed; the payment says why.
PAYMENT_CANCEL_REFUSED = "payment.cancel_refused"

# The processor says the cardholder disputes the payment (a chargeback), or the dispute ended
# (the payment's `dispute.status`: won or lost). Nothing in the saga moves money for it.
PAYMENT_DISPUTED = "payment.disputed"
PAYMENT_DISPUTE_CLOSED = "payment.dispute_closed"

# The processor settled the capture or a refund (#32): `data.settled` is the report's item,
# `data.payment.settlement` the sums so far. Published when reconciliation matches it.
PAYMENT_SETTLED = "payment.settled"

# Reconciliation found, escalated, closed or an operator resolved a discrepancy between a
# settlement report and our books (`data.change`). Keyed by the discrepancy's id, not a payment:
# an item we do not know has none. For operators and finance, not order services.
RECONCILIATION_DISCREPANCY = "reconciliation.discrepancy"
DISCREPANCY_CHANGES = ("opened", "escalated", "closed", "resolved")

# The events about one payment (subject: its id; sequence: per payment).
EVENT_TYPES = (
    PAYMENT_AUTHORIZED,
    PAYMENT_SUCCEEDED,
    PAYMENT_FAILED,
    PAYMENT_CANCELED,
    PAYMENT_REFUNDED,
    PAYMENT_REFUND_FAILED,
    PAYMENT_OUTCOME_UNKNOWN,
    PAYMENT_CANCEL_REFUSED,
    PAYMENT_DISPUTED,
    PAYMENT_DISPUTE_CLOSED,
    PAYMENT_REQUIRES_ACTION,
    PAYMENT_SETTLED,
)
# Every type on the topic.
ALL_EVENT_TYPES = (*EVENT_TYPES, RECONCILIATION_DISCREPANCY)
REFUND_EVENT_TYPES = (PAYMENT_REFUNDED, PAYMENT_REFUND_FAILED)
