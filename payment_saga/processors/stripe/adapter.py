"""`PaymentGateway` on Stripe, through the official SDK's async client.

An authorization is a PaymentIntent confirmed with `capture_method=manual`; capture (also
partial) captures it, void cancels it, refunds are Refunds of it. Every call sends our step's key
as Stripe's `Idempotency-Key` (Stripe answers a repeated key with the first answer for 24 h) and
records it in the object's metadata under `payment_saga_key`, where `lookup` finds it.

Lookups: a capture or void is read off the PaymentIntent, a refund off its list of refunds, both
strongly consistent. An authorize whose PaymentIntent id never reached us is found with Stripe's
Search API, which is not read-after-write (usually under a minute behind, up to an hour during
incidents): a retry of the authorize covers that (it sends the same key, so Stripe answers with
the first PaymentIntent rather than making a second one), but a miss is never proof that nothing
was authorized (`OperationQuery.consistent`), so a payment never fails over from Stripe on it.
A 500 is indeterminate (Stripe's words): it may have been applied, and is looked up.
docs/processors.md has the rest, with the mapping of Stripe's errors to ours.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NoReturn

import stripe
from stripe.params import (
    PaymentIntentCreateParams,
    PaymentMethodCreateParamsCard,
    RefundCreateParams,
)

from payment_saga.domain.errors import GatewayDeclined, GatewayOutcomeUnknown, GatewayTransientError
from payment_saga.domain.messages import CardSummary
from payment_saga.processors.port import (
    CardInput,
    GatewayOperation,
    Hold,
    HoldStatus,
    OperationQuery,
    Settlement,
    SettlementPage,
    TokenizedCard,
)
from payment_saga.processors.stripe.settlement import StripeSettlement

KEY_FIELD = "payment_saga_key"
# Stripe's error codes that are ours under another name; any other card error keeps Stripe's
# code as its decline_code under our `card_declined`.
CARD_ERROR_CODES = {
    "expired_card": "expired_card",
    "incorrect_cvc": "incorrect_cvc",
    "invalid_cvc": "incorrect_cvc",
    "authentication_required": "authentication_required",
    "payment_intent_authentication_failure": "authentication_failed",
    "processing_error": "processing_error",
}
# A card's funding as Stripe names it, which is ours too.
FUNDING = ("credit", "debit", "prepaid")
# PaymentIntent states after a successful confirm with capture_method=manual, and later ones.
AUTHORIZED_STATES = ("requires_capture", "succeeded", "canceled")
# What a PaymentIntent holds on the card in each state; the rest never authorized.
HOLDS: dict[str, HoldStatus] = {
    "requires_capture": "open",
    "succeeded": "captured",
    "canceled": "released",
}
# The charge comes with the PaymentIntent: its card's `capture_before` is when Stripe cancels
# the hold by itself.
WITH_CHARGE = ["latest_charge"]


class StripeGateway:
    guessable_tokens = False

    def __init__(self, client: stripe.StripeClient) -> None:
        # Built by gateway.factory with our timeout and max_network_retries=0: the saga retries.
        self._stripe = client.v1
        self._settlement = StripeSettlement(client)

    async def tokenize(self, card: CardInput) -> TokenizedCard:
        """Raw card data to a PaymentMethod: test mode (and accounts allowed raw card data)."""
        card_params: PaymentMethodCreateParamsCard = {
            "number": card.number,
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
            "cvc": card.cvc,
        }
        try:
            method = await self._stripe.payment_methods.create_async(
                {"type": "card", "card": card_params}
            )
        except stripe.StripeError as error:
            _raise_for(error, "authorize")
        return _tokenized(method)

    async def describe(self, token: str) -> TokenizedCard:
        if not token.startswith("pm_"):
            raise GatewayDeclined("invalid_token", "a Stripe payment method id starts with pm_")
        try:
            return _tokenized(await self._stripe.payment_methods.retrieve_async(token))
        except stripe.InvalidRequestError as error:
            if error.http_status == 404:
                raise GatewayDeclined("invalid_token", "Stripe does not know this token") from None
            _raise_for(error, "authorize")
        except stripe.StripeError as error:
            _raise_for(error, "authorize")

    async def authorize(
        self,
        token: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        return_url: str | None = None,
        request_three_d_secure: bool = False,
    ) -> GatewayOperation:
        params: PaymentIntentCreateParams = {
            "amount": amount,
            "currency": currency.lower(),
            "payment_method": token,
            "allowed_payment_method_types": ["card"],
            "capture_method": "manual",
            "confirm": True,
            "metadata": {KEY_FIELD: idempotency_key},
            "expand": WITH_CHARGE,
        }
        if return_url is not None:
            # 3-D Secure by redirect: Stripe answers requires_action with the page's URL.
            params["return_url"] = return_url
            if request_three_d_secure:
                params["payment_method_options"] = {"card": {"request_three_d_secure": "any"}}
        else:
            # No customer to ask: a card that wants 3-D Secure fails at once, as off-session.
            params["error_on_requires_action"] = True
        try:
            intent = await self._stripe.payment_intents.create_async(
                params, {"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as error:
            _raise_for(error, "authorize")
        return _authorized(intent, idempotency_key)

    async def action_outcome(
        self, authorization_id: str, idempotency_key: str
    ) -> GatewayOperation | None:
        try:
            intent = await self._stripe.payment_intents.retrieve_async(
                authorization_id, {"expand": WITH_CHARGE}
            )
        except stripe.StripeError as error:
            _raise_for(error, "authorize")
        if intent.status == "requires_action":
            return None
        if intent.status == "canceled":  # voided (or expired) before the customer finished
            raise GatewayDeclined("authorization_closed", "the PaymentIntent was canceled")
        return _authorized(intent, idempotency_key)

    async def capture(
        self, authorization_id: str, amount: int, idempotency_key: str
    ) -> GatewayOperation:
        try:
            intent = await self._stripe.payment_intents.capture_async(
                authorization_id,
                {"amount_to_capture": amount},
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            _raise_for(error, "capture")
        return _captured(intent, idempotency_key)

    async def void(self, authorization_id: str, idempotency_key: str) -> GatewayOperation:
        try:
            intent = await self._stripe.payment_intents.cancel_async(
                authorization_id, {}, {"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as error:
            _raise_for(error, "void")
        return _voided(intent, idempotency_key)

    async def refund(
        self, authorization_id: str, amount: int, idempotency_key: str
    ) -> GatewayOperation:
        params: RefundCreateParams = {
            "payment_intent": authorization_id,
            "amount": amount,
            "metadata": {KEY_FIELD: idempotency_key},
        }
        try:
            refund = await self._stripe.refunds.create_async(
                params, {"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as error:
            _raise_for(error, "refund")
        return _refunded(refund, authorization_id, idempotency_key)

    async def lookup(self, query: OperationQuery) -> GatewayOperation | None:
        try:
            if query.operation == "authorize":
                found = await self._find_authorization(query.idempotency_key)
                if found is None and query.consistent:
                    # Stripe's Search is not read-after-write (usually under a minute behind,
                    # up to an hour during incidents): a miss proves nothing.
                    raise GatewayOutcomeUnknown("Stripe's Search may not show it yet")
                return found
            if query.authorization_id is None:
                return None  # nothing was authorized, so nothing acted on it
            if query.operation == "refund":
                return await self._find_refund(query.authorization_id, query.idempotency_key)
            intent = await self._stripe.payment_intents.retrieve_async(query.authorization_id)
        except stripe.StripeError as error:
            _raise_for(error, query.operation)
        if query.operation == "capture" and intent.status == "succeeded":
            return _captured(intent, query.idempotency_key)
        if query.operation == "void" and intent.status == "canceled":
            return _voided(intent, query.idempotency_key)
        return None

    async def settlement(self, authorization_id: str) -> Settlement:
        try:
            intent = await self._stripe.payment_intents.retrieve_async(authorization_id)
            refunds = await self._stripe.refunds.list_async(
                {"payment_intent": authorization_id, "limit": 100}
            )
        except stripe.StripeError as error:
            _raise_for(error, "authorize")
        # A pending refund is taken; a failed one gave the money back.
        refunded = sum(r.amount for r in refunds.data if r.status in ("succeeded", "pending"))
        return Settlement(captured=intent.amount_received, refunded=refunded)

    async def hold(self, authorization_id: str) -> Hold:
        try:
            intent = await self._stripe.payment_intents.retrieve_async(
                authorization_id, {"expand": WITH_CHARGE}
            )
        except stripe.InvalidRequestError as error:
            if error.http_status == 404:
                return Hold("missing")
            _raise_for(error, "void")
        except stripe.StripeError as error:
            _raise_for(error, "void")
        return Hold(HOLDS.get(intent.status, "released"), _capture_before(intent))

    async def settlement_report(self, day: str, starting_after: str | None) -> SettlementPage:
        """The balance transactions paid out on the day (settlement.py)."""
        return await self._settlement.settlement_report(day, starting_after)

    async def _find_authorization(self, key: str) -> GatewayOperation | None:
        found = await self._stripe.payment_intents.search_async(
            {"query": f"metadata['{KEY_FIELD}']:'{key}'", "limit": 1}
        )
        if not found.data:
            return None
        intent = found.data[0]
        if intent.status in ("processing", "requires_confirmation"):
            raise GatewayTransientError(f"the PaymentIntent is still {intent.status}")
        return _authorized(intent, key)

    async def _find_refund(self, intent_id: str, key: str) -> GatewayOperation | None:
        refunds = await self._stripe.refunds.list_async({"payment_intent": intent_id, "limit": 100})
        for refund in refunds.data:
            if refund.metadata is not None and refund.metadata.to_dict().get(KEY_FIELD) == key:
                return _refunded(refund, intent_id, key)
        return None


def _tokenized(method: stripe.PaymentMethod) -> TokenizedCard:
    card = method.card
    if card is None:
        raise GatewayDeclined("invalid_token", "the payment method is not a card")
    summary = CardSummary(
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        fingerprint=card.fingerprint or "",
        # Stripe says credit, debit, prepaid or unknown; unknown is not said.
        funding=card.funding if card.funding in FUNDING else None,
    )
    return TokenizedCard(token=method.id, card=summary)


def _authorized(intent: stripe.PaymentIntent, key: str) -> GatewayOperation:
    redirect = _redirect_url(intent)
    if redirect is not None:
        return GatewayOperation(
            operation="authorize",
            idempotency_key=key,
            reference=intent.id,
            authorization_id=intent.id,
            amount=intent.amount,
            currency=intent.currency.upper(),
            action_url=redirect,
        )
    if intent.status not in AUTHORIZED_STATES:
        _raise_declined_intent(intent)
    return GatewayOperation(
        operation="authorize",
        idempotency_key=key,
        reference=intent.id,
        authorization_id=intent.id,
        amount=intent.amount,
        currency=intent.currency.upper(),
        expires_at=_capture_before(intent),
    )


def _redirect_url(intent: stripe.PaymentIntent) -> str | None:
    """The page Stripe sends the customer to (3-D Secure), when the intent waits for them."""
    if intent.status != "requires_action":
        return None
    action = getattr(intent, "next_action", None)
    redirect = getattr(action, "redirect_to_url", None)
    url = getattr(redirect, "url", None)
    return url if isinstance(url, str) else None


def _capture_before(intent: stripe.PaymentIntent) -> datetime | None:
    """When Stripe cancels the hold by itself, if the intent came with its charge."""
    charge = getattr(intent, "latest_charge", None)
    details = getattr(charge, "payment_method_details", None)
    until = getattr(getattr(details, "card", None), "capture_before", None)
    return datetime.fromtimestamp(until, UTC) if isinstance(until, int) else None


def _captured(intent: stripe.PaymentIntent, key: str) -> GatewayOperation:
    charge = intent.latest_charge
    reference = charge if isinstance(charge, str) else charge.id if charge else intent.id
    return GatewayOperation(
        operation="capture",
        idempotency_key=key,
        reference=reference,
        authorization_id=intent.id,
        amount=intent.amount_received,
        currency=intent.currency.upper(),
    )


def _voided(intent: stripe.PaymentIntent, key: str) -> GatewayOperation:
    return GatewayOperation("void", key, intent.id, intent.id, 0, intent.currency.upper())


def _refunded(refund: stripe.Refund, intent_id: str, key: str) -> GatewayOperation:
    # `pending` is accepted by Stripe; a later failure comes as a `refund.failed` webhook.
    if refund.status in ("failed", "canceled"):
        raise GatewayDeclined("refund_refused", f"Stripe's refund is {refund.status}")
    return GatewayOperation(
        operation="refund",
        idempotency_key=key,
        reference=refund.id,
        authorization_id=intent_id,
        amount=refund.amount,
        currency=refund.currency.upper(),
    )


def _raise_declined_intent(intent: stripe.PaymentIntent) -> NoReturn:
    """A PaymentIntent that did not authorize: its last error, or 3-D Secure it cannot do."""
    if intent.status == "requires_action":
        raise GatewayDeclined(
            "authentication_required", "the card asks for 3-D Secure, which this flow cannot do"
        )
    # Stripe omits an error's absent fields rather than sending nulls, and a StripeObject
    # raises AttributeError for a field it was not sent.
    error = getattr(intent, "last_payment_error", None)
    code = getattr(error, "code", None) or "card_declined"
    decline = getattr(error, "decline_code", None)
    message = getattr(error, "message", None) or f"the PaymentIntent is {intent.status}"
    raise _card_declined(code, decline, message)


def _card_declined(code: str, decline_code: str | None, message: str) -> GatewayDeclined:
    ours = CARD_ERROR_CODES.get(code)
    if ours is not None:
        return GatewayDeclined(ours, message, decline_code)
    return GatewayDeclined("card_declined", message, decline_code or code)


# What an invalid request means for each step: the processor will not do it.
REFUSED = {
    "authorize": "card_declined",
    "capture": "capture_failed",
    "void": "void_failed",
    "refund": "refund_refused",
}


def _raise_for(error: stripe.StripeError, operation: str) -> NoReturn:
    """Stripe's exceptions as the port's: declines final, the rest retried or looked up."""
    message = error.user_message or str(error) or type(error).__name__
    if isinstance(error, stripe.CardError):
        # Final, processing_error too: Stripe keeps the answer under the key, so a retry (which
        # sends the same key) would only get it again.
        decline_code = getattr(error.error, "decline_code", None)
        raise _card_declined(error.code or "card_declined", decline_code, message) from None
    if isinstance(error, stripe.APIConnectionError):
        # Sent or not, we cannot tell: the saga looks the key up before anything else.
        raise GatewayOutcomeUnknown(f"Stripe unreachable: {message}") from None
    if isinstance(error, stripe.RateLimitError):
        raise GatewayTransientError(message, code="processing_error") from None  # not applied
    if isinstance(error, stripe.APIError):
        # Stripe calls a 500 indeterminate: the request may have been applied.
        raise GatewayOutcomeUnknown(f"Stripe answered {error.http_status}: {message}") from None
    if isinstance(error, stripe.IdempotencyError):
        raise GatewayDeclined("idempotency_key_reused", message) from None
    if isinstance(error, stripe.InvalidRequestError):
        raise GatewayDeclined(REFUSED[operation], message, error.code) from None
    # Authentication and permission errors are configuration: retrying until someone fixes the
    # key is the right thing, and the activity's alerts show it.
    raise GatewayTransientError(message, code=error.code or "processing_error") from None
