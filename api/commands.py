"""Writes for the API: tokenize at the edge, then start or steer the payment's workflow."""

from __future__ import annotations

from api.queries import PaymentQueries
from api.schemas import PaymentCreate
from api.tokens import AnyMethod, Tokenizer
from payment_saga.config import Settings
from payment_saga.db.models import Payment
from payment_saga.db.session import SessionFactory
from payment_saga.db.token_owners import TokenOwners
from payment_saga.db.views import PaymentOut, RefundOut
from payment_saga.domain.errors import CardError, InvalidRequest
from payment_saga.domain.fingerprints import CardFingerprints
from payment_saga.domain.messages import (
    CardSummary,
    PaymentRequest,
    PaymentState,
    ProcessorToken,
    RefundRequest,
    RefundState,
)
from payment_saga.domain.states import CaptureMethod, PaymentStatus, RefundStatus
from payment_saga.processors.routing import PAYPAL, Gateways
from payment_saga.steering.deadlines import Answer
from payment_saga.steering.payments import PaymentSteering

# What a command answers with: the payment or refund as the API shows it.
View = PaymentOut | RefundOut


class PaymentCommands:
    def __init__(
        self,
        settings: Settings,
        steering: PaymentSteering,
        sessions: SessionFactory,
        gateways: Gateways,
        queries: PaymentQueries,
        fingerprints: CardFingerprints,
    ) -> None:
        self._settings = settings
        self._steering = steering
        self._sessions = sessions
        self._tokenizer = Tokenizer(gateways, fingerprints, TokenOwners(sessions))
        self._default_kind = gateways.default_kind
        self._kinds = gateways.kinds
        self._queries = queries

    def card_fingerprints(self, method: AnyMethod) -> list[str]:
        return self._tokenizer.fingerprints(method)

    async def create(
        self, account_id: str, payment_id: str, body: PaymentCreate, wait_seconds: int | None
    ) -> tuple[int, View]:
        """Returns the HTTP status and the payment: 201 settled, 402 failed, 202 still going."""
        request = await self._tokenized_request(account_id, payment_id, body)
        answer = await self._steering.start(
            request,
            self._wait(wait_seconds),
            for_outcome=wait_seconds is not None,
            default_processor=self._default_kind,
        )
        payment = answered_payment(answer) or await self._queries.payment(account_id, payment_id)
        if wait_seconds is None or not answer.done:
            return 202, payment
        status = payment.status
        if status is PaymentStatus.FAILED:
            raise _card_error(payment)
        return (201 if status.outcome_known(body.capture_method) else 202), payment

    async def _tokenized_request(
        self, account_id: str, payment_id: str, body: PaymentCreate
    ) -> PaymentRequest:
        card, route = await self._payer(body, account_id)
        return PaymentRequest(
            payment_method="paypal" if body.payment_method.type == "paypal" else "card",
            account_id=account_id,
            payment_id=payment_id,
            order_id=body.order_id,
            amount=body.amount,
            currency=body.currency,
            card_token=route[0].token,
            card=card,
            # Only a route that is not the default processor alone is carried: the keys of a
            # routed payment name their processor (payment_saga/domain/keys.py).
            route=route if [r.processor for r in route] != [self._default_kind] else [],
            capture_method=CaptureMethod(body.capture_method),
            customer_id=body.customer_id,
            description=body.description,
            metadata=body.metadata,
            authorize_deadline_seconds=self._settings.payments.authorize_deadline_seconds,
            authorization_expiry_seconds=self._settings.payments.authorization_expiry_seconds,
            refund_window_seconds=self._settings.payments.refund_window_seconds,
            idle_close_seconds=self._settings.payments.idle_close_seconds,
            return_url=body.return_url,
            customer_return_url=self._customer_return_url(payment_id, body.return_url),
            request_three_d_secure=body.requests_three_d_secure,
            action_timeout_seconds=self._settings.payments.action_timeout_seconds,
        )

    async def _payer(
        self, body: PaymentCreate, account_id: str
    ) -> tuple[CardSummary | None, list[ProcessorToken]]:
        """The card and its token at each processor of its route; or PayPal, which needs no
        token (the payer approves on its page) and is taken only where it is configured."""
        method = body.payment_method
        if method.type != "paypal":
            return await self._tokenizer.tokenized(method, body.currency, account_id)
        if PAYPAL not in self._kinds:
            raise InvalidRequest(
                "PayPal is not taken here (GATEWAY_PAYPAL)",
                code="payment_method_not_available",
                param="payment_method.type",
            )
        return None, [ProcessorToken(PAYPAL, "")]

    def _customer_return_url(self, payment_id: str, return_url: str | None) -> str | None:
        """Our return route, where the processor sends the customer back first (it asks the
        processor at once, then sends them on to `return_url`); none without a return_url."""
        if return_url is None:
            return None
        return f"{self._settings.api.base_url()}/v1/payments/{payment_id}/return"

    async def customer_returned(self, payment_id: str, canceled: bool = False) -> Payment:
        """The customer's browser is back from the processor's page: the payment's row once
        its run has looked at the processor (or as it stood, past the wait)."""
        return await self._steering.customer_returned(payment_id, self._wait(None), canceled)

    def _wait(self, wait_seconds: int | None) -> float:
        """`Prefer: wait=N`, or the longest wait when none was asked for."""
        longest = self._settings.api.max_wait_seconds
        return float(longest if wait_seconds is None else min(wait_seconds, longest))

    async def capture(
        self,
        account_id: str,
        payment_id: str,
        amount: int | None,
        wait_seconds: int | None = None,
        update_id: str | None = None,
    ) -> tuple[int, View]:
        """200 and the payment once captured; 202 and the payment as it stands if not yet."""
        await self._queries.payment(account_id, payment_id)  # 404 before anything else
        wait = self._wait(wait_seconds)
        answer = await self._steering.capture(payment_id, amount, wait, update_id)
        return await self._answer(account_id, payment_id, answer)

    async def cancel(
        self,
        account_id: str,
        payment_id: str,
        reason: str | None,
        wait_seconds: int | None = None,
        update_id: str | None = None,
        refunds_allowed: bool = False,
    ) -> tuple[int, View]:
        """Canceling a captured payment refunds it, so it needs `refunds_allowed` too."""
        await self._queries.payment(account_id, payment_id)
        wait = self._wait(wait_seconds)
        answer = await self._steering.cancel(payment_id, reason, wait, update_id, refunds_allowed)
        return await self._answer(account_id, payment_id, answer)

    async def _answer(self, account_id: str, payment_id: str, answer: Answer) -> tuple[int, View]:
        """200 and the payment as the workflow returned it once the update finished; 202 and
        the payment as its row stands when it goes on past the wait."""
        payment = answered_payment(answer) or await self._queries.payment(account_id, payment_id)
        return (200 if answer.done else 202), payment

    async def refund(
        self,
        account_id: str,
        payment_id: str,
        request: RefundRequest,
        wait_seconds: int | None = None,
    ) -> tuple[int, View]:
        """201 and the refund once its outcome is known; 202 and the pending refund if not."""
        await self._queries.payment(account_id, payment_id)
        answer = await self._steering.refund(payment_id, request, self._wait(wait_seconds))
        refund = answered_refund(answer) or await self._queries.refund_or_none(
            account_id, request.refund_id, payment_id
        )
        if answer.done and refund is not None:
            return 201, refund
        return 202, refund or await self._pending_refund(account_id, payment_id, request)

    async def _pending_refund(
        self, account_id: str, payment_id: str, request: RefundRequest
    ) -> RefundOut:
        """The refund as accepted, before its activity has written its row."""
        payment = await self._queries.payment(account_id, payment_id)
        return RefundOut(
            id=request.refund_id,
            object="refund",
            payment_id=payment_id,
            amount=request.amount or payment.amount_captured - payment.amount_refunded,
            currency=payment.currency,
            status=RefundStatus.PENDING,
            reason=request.reason,
            failure=None,
            created_at=payment.updated_at,
        )


def answered_payment(answer: Answer) -> PaymentOut | None:
    """The payment as the workflow returned it: built from its row by the step that last
    committed it (payment_saga/db/views.py), so the same as a GET would read. None (the
    caller reads the row) when the work goes on, from a run of an earlier build (no view), or
    when the view is not the state's (a step whose answer the run did not take)."""
    state = answer.returned
    if not answer.done or not isinstance(state, PaymentState) or state.view is None:
        return None
    view = PaymentOut.model_validate(state.view)
    shown = (view.status, view.amount_authorized, view.amount_captured, view.amount_refunded)
    known = (state.status, state.amount_authorized, state.amount_captured, state.amount_refunded)
    return view if shown == known else None


def answered_refund(answer: Answer) -> RefundOut | None:
    """The refund as its step recorded it and the workflow returned it; None: read it."""
    state = answer.returned
    if not answer.done or not isinstance(state, RefundState) or state.view is None:
        return None
    view = RefundOut.model_validate(state.view)
    return view if view.status == state.status else None


def _card_error(payment: PaymentOut) -> CardError:
    """A declined payment: 402, a card_error with the failed payment inside."""
    failure = payment.failure
    return CardError(
        (failure.message if failure else None) or "the card was declined",
        code=failure.code if failure else "card_declined",
        decline_code=failure.decline_code if failure else None,
        payment=payment.model_dump(mode="json"),
    )
