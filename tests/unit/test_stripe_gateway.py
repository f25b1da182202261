"""The Stripe adapter's reading of Stripe's answers, recorded in the shape Stripe sends them
(tests/unit/stripe_answers/): declines, 3-D Secure, refused captures and refunds, outages, rate
limits, reused keys and lost answers. stripe-mock cannot give these: it answers fixtures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
import stripe

from payment_saga.domain.errors import GatewayDeclined, GatewayOutcomeUnknown, GatewayTransientError
from payment_saga.processors.port import OperationQuery
from payment_saga.processors.stripe.adapter import StripeGateway

ANSWERS = Path(__file__).parent / "stripe_answers"
Handler = Callable[[httpx.Request], httpx.Response]
# Stripe's answer to a search that finds nothing (yet).
EMPTY_SEARCH = {
    "object": "search_result",
    "data": [],
    "has_more": False,
    "url": "/v1/payment_intents/search",
}


def recorded(name: str, status: int = 200) -> Handler:
    body = json.loads((ANSWERS / f"{name}.json").read_text())
    return lambda request: httpx.Response(status, json=body)


def raising(error: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return handler


@pytest.fixture
async def answered_by() -> AsyncIterator[Callable[[Handler], StripeGateway]]:
    """A Stripe adapter whose HTTP answers come from the given handler."""
    clients: list[stripe.HTTPXClient] = []

    def gateway(handler: Handler) -> StripeGateway:
        http = stripe.HTTPXClient(allow_sync_methods=False)
        # The SDK builds its own httpx client; the transport is swapped for the recording.
        http._client_async = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        clients.append(http)
        client = stripe.StripeClient("sk_test_unit", http_client=http, max_network_retries=0)
        return StripeGateway(client)

    yield gateway
    for http in clients:
        await http.close_async()  # type: ignore[no-untyped-call]


async def test_a_card_decline_is_final_with_the_issuers_reason(
    answered_by: Callable[[Handler], StripeGateway],
) -> None:
    gateway = answered_by(recorded("card_declined_insufficient_funds", 402))
    with pytest.raises(GatewayDeclined) as declined:
        await gateway.authorize("pm_card_visa", 2500, "USD", "pay_1:authorize")
    assert (declined.value.code, declined.value.decline_code) == (
        "card_declined", "insufficient_funds",
    )  # fmt: skip


async def test_a_card_asking_for_3d_secure_is_declined_as_authentication_required(
    answered_by: Callable[[Handler], StripeGateway],
) -> None:
    gateway = answered_by(recorded("requires_action"))
    with pytest.raises(GatewayDeclined) as declined:
        await gateway.authorize("pm_card_visa", 2500, "USD", "pay_2:authorize")
    assert declined.value.code == "authentication_required"


async def test_a_lookup_finds_a_declined_authorize_and_raises_its_decline(
    answered_by: Callable[[Handler], StripeGateway],
) -> None:
    gateway = answered_by(recorded("search_declined"))
    with pytest.raises(GatewayDeclined) as declined:
        await gateway.lookup(OperationQuery("authorize", "pay_3:authorize"))
    assert declined.value.code == "expired_card"


async def test_a_capture_stripe_refuses_is_final(
    answered_by: Callable[[Handler], StripeGateway],
) -> None:
    gateway = answered_by(recorded("unexpected_state", 400))
    with pytest.raises(GatewayDeclined) as refused:
        await gateway.capture("pi_x", 2500, "pay_4:capture")
    assert (refused.value.code, refused.value.decline_code) == (
        "capture_failed", "payment_intent_unexpected_state",
    )  # fmt: skip


async def test_a_failed_refund_is_refused(
    answered_by: Callable[[Handler], StripeGateway],
) -> None:
    gateway = answered_by(recorded("refund_failed"))
    with pytest.raises(GatewayDeclined) as refused:
        await gateway.refund("pi_x", 1000, "pay_4:refund:re_1")
    assert refused.value.code == "refund_refused"


async def test_rate_limits_are_retried_as_never_applied(
    answered_by: Callable[[Handler], StripeGateway],
) -> None:
    gateway = answered_by(recorded("rate_limit", 429))
    with pytest.raises(GatewayTransientError) as transient:
        await gateway.capture("pi_x", 2500, "pay_5:capture")
    assert not isinstance(transient.value, GatewayOutcomeUnknown)


async def test_a_500_is_indeterminate(answered_by: Callable[[Handler], StripeGateway]) -> None:
    """Stripe calls a 500 indeterminate: it once counted as "nothing applied", and three of
    them failed a payment over to the next processor with no lookup (issue #26, item 3)."""
    gateway = answered_by(recorded("api_error", 500))
    with pytest.raises(GatewayOutcomeUnknown):
        await gateway.authorize("pm_card_visa", 2500, "USD", "pay_5:authorize")


async def test_a_search_miss_is_no_proof(answered_by: Callable[[Handler], StripeGateway]) -> None:
    """Search lags writes: when a lookup must be sure (a failover's proof), a miss is unknown."""
    gateway = answered_by(lambda request: httpx.Response(200, json=EMPTY_SEARCH))
    assert await gateway.lookup(OperationQuery("authorize", "pay_8:authorize")) is None
    with pytest.raises(GatewayOutcomeUnknown):
        await gateway.lookup(OperationQuery("authorize", "pay_8:authorize", consistent=True))


async def test_a_key_reused_with_other_parameters_is_final(
    answered_by: Callable[[Handler], StripeGateway],
) -> None:
    gateway = answered_by(recorded("idempotency_error", 400))
    with pytest.raises(GatewayDeclined) as reused:
        await gateway.capture("pi_x", 2600, "pay_5:capture")
    assert reused.value.code == "idempotency_key_reused"


@pytest.mark.parametrize(
    "lost", [httpx.ReadTimeout("read timed out"), httpx.RemoteProtocolError("disconnected")]
)
async def test_a_lost_answer_is_an_unknown_outcome(
    answered_by: Callable[[Handler], StripeGateway], lost: Exception
) -> None:
    gateway = answered_by(raising(lost))
    with pytest.raises(GatewayOutcomeUnknown):
        await gateway.authorize("pm_card_visa", 2500, "USD", "pay_6:authorize")


async def test_every_call_sends_our_key_as_stripes_idempotency_key(
    answered_by: Callable[[Handler], StripeGateway],
) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return recorded("requires_action")(request)

    gateway = answered_by(handler)
    with pytest.raises(GatewayDeclined):
        await gateway.authorize("pm_card_visa", 2500, "USD", "pay_7:authorize")
    assert sent[0].headers["Idempotency-Key"] == "pay_7:authorize"
    assert b"metadata[payment_saga_key]=pay_7%3Aauthorize" in sent[0].content


async def test_a_token_that_is_not_a_payment_method_id_is_refused_without_a_call(
    answered_by: Callable[[Handler], StripeGateway],
) -> None:
    gateway = answered_by(raising(AssertionError("no call expected")))
    with pytest.raises(GatewayDeclined) as refused:
        await gateway.describe("tok_visa")
    assert refused.value.code == "invalid_token"


def intent(**changes: object) -> Handler:
    """A PaymentIntent as Stripe answers it, changed (the recorded requires_action one)."""
    body = {**json.loads((ANSWERS / "requires_action.json").read_text()), **changes}
    return lambda request: httpx.Response(200, json=body)


REDIRECT = {
    "type": "redirect_to_url",
    "redirect_to_url": {"url": "https://hooks.stripe.com/3ds", "return_url": "https://api.test/r"},
}


async def test_with_a_return_url_3d_secure_is_the_customers_page(
    answered_by: Callable[[Handler], StripeGateway],
) -> None:
    gateway = answered_by(intent(status="requires_action", next_action=REDIRECT))
    asked = await gateway.authorize(
        "pm_card_visa", 2500, "USD", "pay_9:authorize", "https://api.test/r"
    )
    assert asked.action_url == "https://hooks.stripe.com/3ds"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("requires_action", None),
        ("requires_capture", "authorize"),
        ("canceled", "authorization_closed"),
    ],
)
async def test_the_customers_action_as_the_intent_says_it_ended(
    answered_by: Callable[[Handler], StripeGateway], status: str, outcome: str | None
) -> None:
    gateway = answered_by(intent(status=status, next_action=None, latest_charge=None))
    if outcome == "authorization_closed":  # voided before the customer finished: no hold
        with pytest.raises(GatewayDeclined) as declined:
            await gateway.action_outcome("pi_1", "pay_9:authorize")
        assert declined.value.code == outcome
        return
    found = await gateway.action_outcome("pi_1", "pay_9:authorize")
    assert (found.operation if found else None) == outcome
