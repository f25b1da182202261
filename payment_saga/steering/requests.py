"""The workflow's input for a payment's later runs, built from its row."""

from __future__ import annotations

from payment_saga.config import PaymentSettings
from payment_saga.db.models import Payment
from payment_saga.domain.messages import CardSummary, PaymentRequest, ProcessorToken
from payment_saga.domain.states import CaptureMethod


def later_run_request(payment: Payment, settings: PaymentSettings) -> PaymentRequest:
    """What a later run (woken by work, or repaired) starts with: `resume`, so it loads the
    ledger from the row first; its expiry and refund window run from the row's dates."""
    card = _card(payment)
    return PaymentRequest(
        account_id=payment.account_id,
        payment_id=payment.id,
        order_id=payment.order_id,
        amount=payment.amount,
        currency=payment.currency,
        card_token=payment.card_token or "",
        card=card,
        capture_method=CaptureMethod(payment.capture_method),
        customer_id=payment.customer_id,
        description=payment.description,
        metadata=dict(payment.metadata_),
        # The first run's route: a pending payment authorizes again under the same keys.
        route=[ProcessorToken(r["processor"], r["token"]) for r in payment.route or []],
        authorize_deadline_seconds=settings.authorize_deadline_seconds,
        authorization_expiry_seconds=settings.authorization_expiry_seconds,
        refund_window_seconds=settings.refund_window_seconds,
        idle_close_seconds=settings.idle_close_seconds,
        return_url=payment.return_url,
        customer_return_url=payment.customer_return_url,
        request_three_d_secure=payment.request_three_d_secure,
        action_timeout_seconds=settings.action_timeout_seconds,
        payment_method="paypal" if payment.payment_method == "paypal" else "card",
        resume=True,
    )


def _card(payment: Payment) -> CardSummary | None:
    if payment.card_brand is None or payment.card_last4 is None:
        return None  # not a card's payment (PayPal)
    return CardSummary(
        brand=payment.card_brand,
        last4=payment.card_last4,
        exp_month=payment.card_exp_month or 0,
        exp_year=payment.card_exp_year or 0,
        fingerprint=payment.card_fingerprint or "",
        funding=payment.card_funding,
    )
