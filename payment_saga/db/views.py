"""Payments and refunds as the API answers them and the events carry them: one typed model
each, built from the rows here and nowhere else. Card data is brand, last4, expiry and the
keyed fingerprint.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from payment_saga.db.models import Payment, Refund
from payment_saga.db.reconciliation import Discrepancy
from payment_saga.domain.states import CaptureMethod, PaymentStatus, RefundStatus


class CardOut(BaseModel):
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str
    # credit, debit or prepaid, when the processor says it; None when it does not.
    funding: str | None = None


class PaymentMethodOut(BaseModel):
    type: Literal["card", "paypal"]
    # The card, for a card payment; None for PayPal.
    card: CardOut | None = None


class FailureOut(BaseModel):
    code: str
    decline_code: str | None
    message: str | None


class WorkflowLink(BaseModel):
    id: str
    run_id: str | None
    ui_url: str


class DisputeOut(BaseModel):
    """The latest dispute, as the processor reported it."""

    status: Literal["open", "won", "lost"]
    reason: str | None


class RedirectToUrl(BaseModel):
    # The processor's page (a 3-D Secure challenge, an approval page) to send the customer to.
    url: str
    # Where the customer comes back to once done: the payment's `return_url`.
    return_url: str | None


class NextAction(BaseModel):
    """What the customer must do while the payment is `requires_action` (docs/api.md,
    "Customer actions")."""

    type: Literal["redirect_to_url"]
    redirect_to_url: RedirectToUrl
    # Past this the payment fails `action_expired` (PAYMENTS_ACTION_TIMEOUT_SECONDS).
    expires_at: str | None


class SettledItemOut(BaseModel):
    """The capture or a refund as the processor settled it (#32): what moved (a refund's
    negative), the fee it kept, what it paid out, when and in which payout."""

    kind: Literal["capture", "refund"]
    refund_id: str | None
    item_id: str  # the processor's id for the report's item
    amount: int
    fee: int
    net: int
    currency: str
    settlement_date: str  # YYYY-MM-DD
    payout_id: str


class SettlementOut(BaseModel):
    """What the processor settled for the payment so far: sums of `items` (captures less
    refunds), from the settlement reports reconciliation read (docs/operations.md)."""

    amount: int
    fee: int
    net: int
    currency: str
    items: list[SettledItemOut]


class PaymentOut(BaseModel):
    id: str = Field(examples=["pay_3f2a9c1b7e5d4a0c8b6e1f2a"])
    object: Literal["payment"]
    account_id: str = Field(examples=["acct_3f2a9c1b7e5d4a0c"])
    order_id: str
    customer_id: str | None
    amount: int
    currency: str
    status: PaymentStatus
    capture_method: CaptureMethod
    amount_authorized: int
    amount_captured: int
    amount_refunded: int
    payment_method: PaymentMethodOut
    failure: FailureOut | None
    gateway_reference: str | None
    # The processor the payment is on, when routes send payments to several (GATEWAY_ROUTES);
    # None: the deployment's one processor.
    processor: str | None = None
    # The cardholder disputes the payment with their bank (a chargeback) and it is not settled.
    disputed: bool = False
    dispute: DisputeOut | None = None
    # Where the customer returns after a customer action, as the create gave it.
    return_url: str | None = None
    # requires_action: what the customer must do; None otherwise.
    next_action: NextAction | None = None
    # What the processor settled, once a settlement report had it; None before.
    settlement: SettlementOut | None = None
    description: str | None
    metadata: dict[str, str]
    created_at: str
    updated_at: str
    workflow: WorkflowLink


class RefundOut(BaseModel):
    id: str = Field(examples=["re_8d1c2b3a4f5e6d7c8b9a0f1e"])
    object: Literal["refund"]
    payment_id: str
    amount: int
    currency: str
    status: RefundStatus
    reason: str | None
    failure: FailureOut | None
    # The processor's id for this refund, once it made one.
    gateway_reference: str | None = None
    created_at: str


def _failure(code: str | None, message: str | None, decline_code: str | None) -> FailureOut | None:
    if code is None:
        return None
    return FailureOut(code=code, decline_code=decline_code, message=message)


def _dispute(status: str | None, reason: str | None) -> DisputeOut | None:
    if status not in ("open", "won", "lost"):
        return None
    return DisputeOut(status=status, reason=reason)


def _next_action(payment: Payment) -> NextAction | None:
    if payment.status != PaymentStatus.REQUIRES_ACTION or payment.action_url is None:
        return None
    expires = payment.action_expires_at
    return NextAction(
        type="redirect_to_url",
        redirect_to_url=RedirectToUrl(url=payment.action_url, return_url=payment.return_url),
        expires_at=expires.isoformat() if expires else None,
    )


def _payment_method(payment: Payment) -> PaymentMethodOut:
    if payment.payment_method == "paypal" or payment.card_brand is None:
        return PaymentMethodOut(type="paypal")
    card = CardOut(
        brand=payment.card_brand,
        last4=payment.card_last4 or "",
        exp_month=payment.card_exp_month or 0,
        exp_year=payment.card_exp_year or 0,
        fingerprint=payment.card_fingerprint or "",
        funding=payment.card_funding,
    )
    return PaymentMethodOut(type="card", card=card)


def settlement_view(items: list[dict[str, Any]] | None) -> SettlementOut | None:
    if not items:
        return None
    settled = [SettledItemOut.model_validate(item) for item in items]
    return SettlementOut(
        amount=sum(item.amount for item in settled),
        fee=sum(item.fee for item in settled),
        net=sum(item.net for item in settled),
        currency=settled[0].currency,
        items=settled,
    )


def payment_view(payment: Payment, temporal_ui_url: str, namespace: str) -> PaymentOut:
    return PaymentOut(
        id=payment.id,
        object="payment",
        account_id=payment.account_id,
        order_id=payment.order_id,
        customer_id=payment.customer_id,
        amount=payment.amount,
        currency=payment.currency,
        status=PaymentStatus(payment.status),
        capture_method=CaptureMethod(payment.capture_method),
        amount_authorized=payment.amount_authorized,
        amount_captured=payment.amount_captured,
        amount_refunded=payment.amount_refunded,
        payment_method=_payment_method(payment),
        failure=_failure(
            payment.failure_code, payment.failure_message, payment.failure_decline_code
        ),
        gateway_reference=payment.gateway_reference,
        processor=payment.processor,
        disputed=payment.dispute_status == "open",
        dispute=_dispute(payment.dispute_status, payment.dispute_reason),
        return_url=payment.return_url,
        next_action=_next_action(payment),
        settlement=settlement_view(payment.settlement),
        description=payment.description,
        metadata=payment.metadata_,
        created_at=payment.created_at.isoformat(),
        updated_at=payment.updated_at.isoformat(),
        workflow=WorkflowLink(
            id=payment.id,
            run_id=payment.workflow_run_id,
            ui_url=f"{temporal_ui_url}/namespaces/{namespace}/workflows/{payment.id}",
        ),
    )


def refund_view(refund: Refund) -> RefundOut:
    return RefundOut(
        id=refund.id,
        object="refund",
        payment_id=refund.payment_id,
        amount=refund.amount,
        currency=refund.currency,
        status=RefundStatus(refund.status),
        reason=refund.reason,
        failure=_failure(refund.failure_code, refund.failure_message, None),
        gateway_reference=refund.gateway_reference,
        created_at=refund.created_at.isoformat(),
    )


class DiscrepancyOut(BaseModel):
    """Something a settlement report and our books disagree on (#32; docs/operations.md,
    "Settlement reconciliation", says what each kind means and how to resolve it)."""

    id: str
    object: Literal["reconciliation_discrepancy"]
    processor: str
    kind: Literal["unknown_item", "missing", "amount_mismatch", "currency_mismatch"]
    payment_id: str | None
    refund_id: str | None
    item_id: str | None
    expected_amount: int | None
    settled_amount: int | None
    currency: str | None
    settlement_date: str
    status: Literal["open", "closed", "resolved"]
    escalated: bool
    detail: str
    resolution: str | None
    opened_at: str
    escalated_at: str | None
    closed_at: str | None


def discrepancy_view(row: Discrepancy) -> DiscrepancyOut:
    return DiscrepancyOut(
        id=row.id,
        object="reconciliation_discrepancy",
        processor=row.processor,
        kind=row.kind,
        payment_id=row.payment_id,
        refund_id=row.refund_id,
        item_id=row.item_id,
        expected_amount=row.expected_amount,
        settled_amount=row.settled_amount,
        currency=row.currency,
        settlement_date=row.settlement_date.isoformat(),
        status=row.status,
        escalated=row.escalated_at is not None,
        detail=row.detail,
        resolution=row.resolution,
        opened_at=row.opened_at.isoformat(),
        escalated_at=row.escalated_at.isoformat() if row.escalated_at else None,
        closed_at=row.closed_at.isoformat() if row.closed_at else None,
    )
