"""The payment state machine and its amount invariant, validated in one place."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class PaymentStatus(StrEnum):
    PENDING = "pending"
    # The processor asks for the customer (a 3-D Secure challenge, an approval page): the
    # payment waits for them, the processor's word or its limit (docs/api.md, "Customer
    # actions"); nothing is held on the card yet.
    REQUIRES_ACTION = "requires_action"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FAILED = "failed"
    CANCELED = "canceled"
    # A capture or refund whose result the gateway could not confirm either way, even when
    # asked by its idempotency key: nothing more happens until an operator resolves it
    # (docs/operations.md, "Outcome unknown"). Never a guess.
    OUTCOME_UNKNOWN = "outcome_unknown"

    def is_final(self) -> bool:
        """No further gateway operation can change the payment."""
        return self in FINAL_STATUSES

    def outcome_known(self, capture_method: CaptureMethod) -> bool:
        """Whether what a create asked for is decided, or waits for the customer: authorized
        (manual capture), captured (automatic), failed, canceled or requires_action (the caller
        sends the customer to `next_action`). Pending, authorized awaiting its automatic
        capture, and outcome_unknown are not."""
        if self is PaymentStatus.AUTHORIZED:
            return capture_method is CaptureMethod.MANUAL
        return self not in (PaymentStatus.PENDING, PaymentStatus.OUTCOME_UNKNOWN)


# What a refund (or a cancel that refunds) can take money back from.
REFUNDABLE = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)


def cancel_refunds(status: PaymentStatus) -> bool:
    """Whether canceling a payment in this status moves money back (so it needs the refund
    scope): captured funds are refunded; an authorization is voided, which moves none."""
    return status in REFUNDABLE


class CaptureMethod(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


class Outcome(StrEnum):
    """What the gateway did with an operation, found by its idempotency key."""

    APPLIED = "applied"
    NOT_APPLIED = "not_applied"
    DECLINED = "declined"


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


ALLOWED_TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    # Canceled while authorizing: whatever the gateway authorized has been voided.
    # outcome_unknown: an authorization whose answer was lost, found and then not voidable.
    PaymentStatus.PENDING: frozenset(
        {
            PaymentStatus.REQUIRES_ACTION,
            PaymentStatus.AUTHORIZED,
            PaymentStatus.FAILED,
            PaymentStatus.CANCELED,
            PaymentStatus.OUTCOME_UNKNOWN,
        }
    ),
    # The customer authenticated (authorized), failed or gave up (failed), or the payment was
    # canceled meanwhile; whatever the processor may hold is voided on the way out.
    PaymentStatus.REQUIRES_ACTION: frozenset(
        {PaymentStatus.AUTHORIZED, PaymentStatus.FAILED, PaymentStatus.CANCELED}
    ),
    PaymentStatus.AUTHORIZED: frozenset(
        {
            PaymentStatus.CAPTURED,
            PaymentStatus.CANCELED,
            PaymentStatus.FAILED,
            PaymentStatus.OUTCOME_UNKNOWN,
        }
    ),
    PaymentStatus.CAPTURED: frozenset(
        {
            PaymentStatus.PARTIALLY_REFUNDED,
            PaymentStatus.REFUNDED,
            PaymentStatus.OUTCOME_UNKNOWN,
        }
    ),
    PaymentStatus.PARTIALLY_REFUNDED: frozenset(
        {
            PaymentStatus.PARTIALLY_REFUNDED,
            PaymentStatus.REFUNDED,
            PaymentStatus.OUTCOME_UNKNOWN,
        }
    ),
    PaymentStatus.REFUNDED: frozenset(),
    PaymentStatus.FAILED: frozenset(),
    PaymentStatus.CANCELED: frozenset(),
    # Left only by `Ledger.resolved()`, back to where the amounts say the payment stands.
    PaymentStatus.OUTCOME_UNKNOWN: frozenset(),
}
# No further gateway operation can change these (outcome_unknown goes nowhere either, but only
# until an operator resolves it).
FINAL_STATUSES = frozenset({PaymentStatus.REFUNDED, PaymentStatus.FAILED, PaymentStatus.CANCELED})


class TransitionError(ValueError):
    """A state change the machine does not allow, or one that breaks the amount invariant."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Ledger:
    """Where a payment stands: its status and the amounts behind it."""

    status: PaymentStatus
    amount: int
    authorized: int = 0
    captured: int = 0
    refunded: int = 0

    @property
    def refundable(self) -> int:
        return self.captured - self.refunded

    def _moved(self, status: PaymentStatus, **amounts: int) -> Ledger:
        if status not in ALLOWED_TRANSITIONS[self.status]:
            raise TransitionError(
                _conflict_code(status), f"a {self.status} payment cannot become {status}"
            )
        moved = replace(self, status=status, **amounts)
        moved.check_invariant()
        return moved

    def check_invariant(self) -> None:
        if not 0 <= self.refunded <= self.captured <= self.authorized <= self.amount:
            raise TransitionError(
                "invariant_violated",
                "amounts must satisfy 0 <= refunded <= captured <= authorized <= amount",
            )

    def authorize(self, amount: int) -> Ledger:
        return self._moved(PaymentStatus.AUTHORIZED, authorized=amount)

    def await_customer(self) -> Ledger:
        """The processor asks for the customer before it authorizes."""
        return self._moved(PaymentStatus.REQUIRES_ACTION)

    def _may_become(self, *targets: PaymentStatus) -> None:
        """The state is judged before the amount: a capture of a payment still authorizing is
        `payment_not_capturable`, not an amount beyond an authorization that is not there yet."""
        if not any(target in ALLOWED_TRANSITIONS[self.status] for target in targets):
            raise TransitionError(
                _conflict_code(targets[0]), f"a {self.status} payment cannot become {targets[0]}"
            )

    def capture(self, amount: int) -> Ledger:
        self._may_become(PaymentStatus.CAPTURED)
        if not 0 < amount <= self.authorized:
            raise TransitionError("amount_exceeds_authorized", "capture must be 1..authorized")
        return self._moved(PaymentStatus.CAPTURED, captured=amount)

    def refund(self, amount: int) -> Ledger:
        self._may_become(PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
        if not 0 < amount <= self.refundable:
            raise TransitionError("amount_exceeds_refundable", "refund must be 1..refundable")
        refunded = self.refunded + amount
        status = (
            PaymentStatus.REFUNDED
            if refunded == self.captured
            else PaymentStatus.PARTIALLY_REFUNDED
        )
        return self._moved(status, refunded=refunded)

    def fail(self) -> Ledger:
        # A failed payment holds no funds: whatever was authorized has been voided.
        return self._moved(PaymentStatus.FAILED)

    def cancel(self) -> Ledger:
        return self._moved(PaymentStatus.CANCELED)

    def unknown(self) -> Ledger:
        """A capture, refund or void was sent and nobody can say whether it was applied."""
        return self._moved(PaymentStatus.OUTCOME_UNKNOWN)

    def refund_reversed(self, amount: int) -> Ledger:
        """A refund the processor accepted and later failed (its webhook says so): the money
        stayed with the merchant, so it counts as captured and refundable again. A fact, not a
        request: it leaves even `refunded`, which nothing else does."""
        if not 0 < amount <= self.refunded:
            raise TransitionError("invariant_violated", "a reversal must be 1..refunded")
        refunded = self.refunded - amount
        status = PaymentStatus.PARTIALLY_REFUNDED if refunded else PaymentStatus.CAPTURED
        return replace(self, status=status, refunded=refunded)

    def resolved(self) -> Ledger:
        """Out of `outcome_unknown`, back to the status its amounts stand for; the resolved
        operation is then applied (or not) as an ordinary transition. Other statuses stay."""
        if self.status is not PaymentStatus.OUTCOME_UNKNOWN:
            return self
        if self.captured == 0:
            return replace(self, status=PaymentStatus.AUTHORIZED)
        if self.refunded == 0:
            return replace(self, status=PaymentStatus.CAPTURED)
        return replace(self, status=PaymentStatus.PARTIALLY_REFUNDED)


def _conflict_code(target: PaymentStatus) -> str:
    if target is PaymentStatus.CAPTURED:
        return "payment_not_capturable"
    if target in (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED):
        return "payment_not_refundable"
    if target is PaymentStatus.CANCELED:
        return "payment_not_cancelable"
    return "invalid_transition"


def refund_window_end(captured_at: datetime | None, window_seconds: int) -> datetime | None:
    """When refunds (and cancels of captured funds) stop being taken: the window runs from the
    capture (PAYMENTS_REFUND_WINDOW_SECONDS). None: nothing captured, or not recorded when."""
    return None if captured_at is None else captured_at + timedelta(seconds=window_seconds)


def refund_window_closed(
    captured_at: datetime | None, window_seconds: int, now: datetime
) -> str | None:
    """Why refunds (and cancels of captured funds) are no longer taken, or None while they are.
    Judged here only: at the edge on the row, and by the run on its clock."""
    closed = refund_window_end(captured_at, window_seconds)
    if closed is not None and now >= closed:
        return f"the refund window closed at {closed:%Y-%m-%d %H:%M} UTC"
    return None
