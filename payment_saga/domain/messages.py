"""What the API, the workflow and the activities pass each other: one dataclass in, one out.

Nothing here holds a card number or CVC: those stop at tokenization in the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from payment_saga.domain.states import CaptureMethod, Outcome, PaymentStatus, RefundStatus

# The payment (or a refund) as the API shows it, as its row stood when a step committed: the
# JSON of payment_saga/db/views.PaymentOut (RefundOut), built from the row there and nowhere
# else. Carried through the workflow so the API answers a create or an update from what the
# workflow returned instead of reading the row again (#28); None from runs of earlier builds.
View = dict[str, Any]


@dataclass(frozen=True)
class CardSummary:
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str
    # credit, debit or prepaid, when the processor says (None: it did not).
    funding: str | None = None


@dataclass(frozen=True)
class Failure:
    code: str
    message: str
    decline_code: str | None = None


@dataclass(frozen=True)
class ProcessorToken:
    """One processor a payment may go to, with the card's token there."""

    processor: str
    token: str


@dataclass(frozen=True)
class PaymentRequest:
    """The workflow's input: an accepted, validated, tokenized payment."""

    payment_id: str
    order_id: str
    amount: int
    currency: str
    card_token: str
    # None: a payment that is not a card's (PayPal); `card_token` is then empty.
    card: CardSummary | None
    capture_method: CaptureMethod = CaptureMethod.AUTOMATIC
    customer_id: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    authorize_deadline_seconds: int = 600
    authorization_expiry_seconds: int = 7 * 24 * 3600
    refund_window_seconds: int = 180 * 24 * 3600
    # Payments begun before accounts existed carry none: they belong to the default account.
    account_id: str = "acct_default"
    # A settled payment's run closes after this long without work; later work starts a new run.
    idle_close_seconds: int = 60
    # A later run (woken by work, or repaired): the payment's row in Postgres is where it starts.
    resume: bool = False
    # The processors to try, in order, each with its token (GATEWAY_ROUTES). Empty (payments
    # from before routing): the deployment's GATEWAY_KIND with `card_token`.
    route: list[ProcessorToken] = field(default_factory=list)
    # Customer actions (docs/api.md): where the customer's browser goes once done (the order
    # service's page), and our own return route that the processor sends it to first. Without
    # them a processor that asks for the customer declines (`authentication_required`).
    return_url: str | None = None
    customer_return_url: str | None = None
    # Ask the issuer for 3-D Secure whenever the card can be (`request_three_d_secure: any`).
    request_three_d_secure: bool = False
    # How long the payment waits for the customer (PAYMENTS_ACTION_TIMEOUT_SECONDS).
    action_timeout_seconds: int = 900
    # What pays: a card, or PayPal (the payer approves on PayPal's page).
    payment_method: Literal["card", "paypal"] = "card"


@dataclass(frozen=True)
class RefundState:
    refund_id: str
    amount: int
    currency: str
    status: RefundStatus
    reason: str | None = None
    failure: Failure | None = None
    # The refund update's answer: the refund as its step committed it.
    view: View | None = None


@dataclass(frozen=True)
class PaymentState:
    """What the workflow knows; the answer of its query and of the capture and cancel updates."""

    payment_id: str
    status: PaymentStatus
    amount: int
    currency: str
    capture_method: CaptureMethod
    amount_authorized: int = 0
    amount_captured: int = 0
    amount_refunded: int = 0
    gateway_reference: str | None = None
    failure: Failure | None = None
    refunds: list[RefundState] = field(default_factory=list)
    dispute_status: str | None = None
    # requires_action: the page the customer must visit.
    action_url: str | None = None
    # The payment as the last step of this run committed it (or as the run loaded it).
    view: View | None = None


@dataclass(frozen=True)
class LoadInput:
    payment_id: str


@dataclass(frozen=True)
class UnknownOperation:
    """The operation a payment's `outcome_unknown` is about, kept on its row: any run can look
    it up again or take an operator's verdict on it."""

    operation: Literal["capture", "refund", "void"]
    amount: int = 0
    refund_id: str | None = None
    # A void: the failure it was undoing (None: a cancel).
    failure: Failure | None = None


@dataclass(frozen=True)
class StoredPayment:
    """A payment as its row stands: where a later run of its workflow starts from."""

    found: bool
    status: PaymentStatus = PaymentStatus.PENDING
    amount_authorized: int = 0
    amount_captured: int = 0
    amount_refunded: int = 0
    gateway_reference: str | None = None
    failure: Failure | None = None
    refunds: list[RefundState] = field(default_factory=list)
    created_at: datetime | None = None
    captured_at: datetime | None = None
    dispute_status: str | None = None
    unknown_operation: UnknownOperation | None = None
    # When the processor releases the hold by itself, if it said.
    authorization_expires_at: datetime | None = None
    # requires_action: the page the customer must visit.
    action_url: str | None = None
    view: View | None = None


@dataclass(frozen=True)
class ProcessorNotice:
    """What a processor's webhook says happened to a payment outside the saga: a refund it had
    accepted failed, or a dispute opened or closed (`dispute_status`: open, won, lost)."""

    processor: str
    event_id: str
    # action_completed: the customer's action (3-D Secure) ended at the processor; the run
    # looks at once instead of at its next look, as on the customer's return.
    kind: Literal["refund_failed", "dispute_opened", "dispute_closed", "action_completed"]
    refund_id: str | None = None
    dispute_status: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class NoticeInput:
    payment_id: str
    notice: ProcessorNotice


@dataclass(frozen=True)
class CancelRefusal:
    """An operator's cancellation (from Temporal) that the payment's state refuses."""

    payment_id: str
    reason: str


@dataclass(frozen=True)
class OutcomeRequest:
    """Wait until the authorization outcome is known (and the capture, for automatic ones)."""


@dataclass(frozen=True)
class CaptureRequest:
    amount: int | None = None


@dataclass(frozen=True)
class CancelRequest:
    reason: str | None = None
    # A cancel of captured money refunds it: only a caller allowed to refund may do that.
    refunds_allowed: bool = True


@dataclass(frozen=True)
class RefundRequest:
    refund_id: str
    amount: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class AuthorizeInput:
    payment: PaymentRequest


@dataclass(frozen=True)
class CaptureInput:
    payment_id: str
    authorization_reference: str
    amount: int
    currency: str
    # A later run resuming the step: the processor is asked what the key did before anything
    # is sent (past its idempotency window, sending again would apply twice).
    look_up_first: bool = False


@dataclass(frozen=True)
class VoidInput:
    """Release an authorization; the payment ends `canceled`, or `failed` when `failure` is set."""

    payment_id: str
    authorization_reference: str | None
    failure: Failure | None = None
    # A routed payment's authorize keys name their processor (payment_saga/domain/keys.py).
    routed: bool = False
    # The authorize step ended by its deadline, not by an answer: an attempt may still be on
    # its way to the processor, so the void waits out a call's timeout before looking it up.
    authorize_in_flight: bool = False
    # An operator's verdict on a void that stayed unknown: the hold is gone (released by hand,
    # or by the processor), so nothing is sent and the payment ends as the void would end it.
    released: bool = False


@dataclass(frozen=True)
class RefundInput:
    payment_id: str
    refund_id: str
    authorization_reference: str
    amount: int
    currency: str
    reason: str | None = None
    # As on CaptureInput: a later run resuming a pending refund looks its key up first.
    look_up_first: bool = False


@dataclass(frozen=True)
class RefundFailureInput:
    refund: RefundInput
    failure: Failure


@dataclass(frozen=True)
class StepResult:
    """A gateway step as applied: its reference at the gateway and the amount it moved."""

    reference: str | None
    amount: int
    # The step's outcome could not be confirmed (a void the processor refused while it still
    # holds the authorization): the payment is outcome_unknown, waiting for an operator.
    outcome_unknown: bool = False
    # An authorization: when the processor releases the hold by itself, if it says.
    expires_at: datetime | None = None
    # An authorize the processor holds until the customer acts: the page they must visit
    # (`reference` is then the processor's id for the authorization to come).
    action_url: str | None = None
    # The payment (and a refund step's refund) as the step committed it.
    view: View | None = None
    refund_view: View | None = None


@dataclass(frozen=True)
class ActionInput:
    """Ask the processor whether the customer's action ended, and record what it says."""

    payment_id: str
    authorization_reference: str
    # As on VoidInput: a routed payment's authorize key names its processor.
    routed: bool = False


@dataclass(frozen=True)
class ActionCheck:
    """What the processor said: still waiting for the customer (`authorized` None), or the
    authorization the customer's action completed. A failed action is raised as a decline."""

    authorized: StepResult | None = None


@dataclass(frozen=True)
class CustomerReturn:
    """The customer's browser came back through our return route; `canceled`: from the
    processor's cancel link (PayPal's "Cancel and return")."""

    canceled: bool = False


@dataclass(frozen=True)
class ResolveInput:
    """Find out what a capture or refund did at the gateway, by its idempotency key, and record
    it. With `verdict`, an operator's decision is recorded without asking the gateway."""

    payment_id: str
    capture: CaptureInput | None = None
    refund: RefundInput | None = None
    verdict: Outcome | None = None

    @property
    def operation(self) -> Literal["capture", "refund"]:
        return "capture" if self.capture is not None else "refund"

    def verdict_resolution(self) -> Resolution:
        """The operator's verdict as a resolution: applied means the amount asked for."""
        if self.verdict is not Outcome.APPLIED:
            return Resolution(Outcome.NOT_APPLIED)
        step = self.capture or self.refund
        assert step is not None
        return Resolution(Outcome.APPLIED, StepResult(reference=None, amount=step.amount))


@dataclass(frozen=True)
class Resolution:
    outcome: Outcome
    result: StepResult | None = None
    failure: Failure | None = None


@dataclass(frozen=True)
class UnknownInput:
    """The payment goes to `outcome_unknown` until an operator resolves the operation."""

    payment_id: str
    operation: Literal["capture", "refund", "void"]
    idempotency_key: str
    cause: Failure
    amount: int = 0
    refund_id: str | None = None


@dataclass(frozen=True)
class ResolveRequest:
    """An operator's resolution: no verdict looks the operation up again; `applied` or
    `not_applied` records what the operator found out from the processor."""

    verdict: Outcome | None = None
