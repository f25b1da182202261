"""The Authorize.Net adapter's reading of Authorize.Net's answers, recorded in the shape it
sends them (tests/unit/authorizenet_answers/, each with the byte order mark the API puts first):
held for review, processing errors, duplicates, refunds of unsettled captures, bad credentials,
amounts as exact decimals, and what it sends (keys in schema order, our key's digest)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from payment_saga.domain.errors import GatewayDeclined, GatewayOutcomeUnknown, GatewayTransientError
from payment_saga.processors.authorizenet.adapter import AuthorizeNetGateway, invoice_number
from payment_saga.processors.port import OperationQuery

ANSWERS = Path(__file__).parent / "authorizenet_answers"
TOKEN = "anet_60000000001_60000000002"
Handler = Callable[[httpx.Request], httpx.Response]


def recorded(*names: str) -> tuple[Handler, list[dict[str, object]]]:
    """Answers the named recordings in turn; keeps what was sent."""
    sent: list[dict[str, object]] = []
    bodies = iter(names)

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        text = (ANSWERS / f"{next(bodies)}.json").read_text()
        if "INVOICE" in text:
            text = text.replace("INVOICE", invoice_number("pay_9:authorize"))
        return httpx.Response(200, content=b"\xef\xbb\xbf" + text.encode())

    return handler, sent


@pytest.fixture
async def answered_by() -> AsyncIterator[Callable[[Handler], AuthorizeNetGateway]]:
    clients: list[httpx.AsyncClient] = []

    def gateway(handler: Handler) -> AuthorizeNetGateway:
        http = httpx.AsyncClient(base_url="http://anet", transport=httpx.MockTransport(handler))
        clients.append(http)
        return AuthorizeNetGateway(http, "login", "key", "USD")

    yield gateway
    for http in clients:
        await http.aclose()


async def test_a_transaction_held_for_review_is_an_unknown_outcome(
    answered_by: Callable[[Handler], AuthorizeNetGateway],
) -> None:
    gateway = answered_by(recorded("held_for_review")[0])
    with pytest.raises(GatewayOutcomeUnknown):
        await gateway.authorize(TOKEN, 2500, "USD", "pay_1:authorize")


async def test_a_processing_error_is_retried(
    answered_by: Callable[[Handler], AuthorizeNetGateway],
) -> None:
    gateway = answered_by(recorded("processing_error")[0])
    with pytest.raises(GatewayTransientError) as transient:
        await gateway.authorize(TOKEN, 2500, "USD", "pay_2:authorize")
    assert not isinstance(transient.value, GatewayOutcomeUnknown)


async def test_a_duplicate_answers_with_the_first_transaction(
    answered_by: Callable[[Handler], AuthorizeNetGateway],
) -> None:
    gateway = answered_by(recorded("duplicate")[0])
    operation = await gateway.authorize(TOKEN, 2500, "USD", "pay_3:authorize")
    assert operation.authorization_id == "60100000002"


async def test_a_refund_of_an_unsettled_capture_waits_for_settlement(
    answered_by: Callable[[Handler], AuthorizeNetGateway],
) -> None:
    gateway = answered_by(recorded("details_settled", "refund_not_settled")[0])
    with pytest.raises(GatewayTransientError) as transient:
        await gateway.refund("60100000003", 1000, "pay_4:refund:re_1")
    assert transient.value.code == "refund_not_settled"


async def test_bad_credentials_are_not_a_decline(
    answered_by: Callable[[Handler], AuthorizeNetGateway],
) -> None:
    gateway = answered_by(recorded("bad_credentials")[0])
    with pytest.raises(GatewayTransientError):
        await gateway.capture("60100000003", 1000, "pay_5:capture")


async def test_a_capture_lookup_reads_the_settled_amount_exactly(
    answered_by: Callable[[Handler], AuthorizeNetGateway],
) -> None:
    gateway = answered_by(recorded("details_settled")[0])
    found = await gateway.lookup(OperationQuery("capture", "pay_6:capture", "60100000003"))
    assert found is not None
    assert found.amount == 1999


async def test_a_lookup_finds_a_declined_authorize_and_raises_the_decline(
    answered_by: Callable[[Handler], AuthorizeNetGateway],
) -> None:
    gateway = answered_by(recorded("unsettled_declined")[0])
    with pytest.raises(GatewayDeclined) as declined:
        await gateway.lookup(OperationQuery("authorize", "pay_9:authorize"))
    assert declined.value.decline_code == "generic_decline"


async def test_requests_keep_the_schemas_order_and_carry_our_keys_digest(
    answered_by: Callable[[Handler], AuthorizeNetGateway],
) -> None:
    handler, sent = recorded("duplicate")
    await answered_by(handler).authorize(TOKEN, 1999, "USD", "pay_7:authorize")
    request = sent[0]["createTransactionRequest"]
    assert isinstance(request, dict)
    assert list(request) == ["merchantAuthentication", "transactionRequest"]
    transaction = request["transactionRequest"]
    assert list(transaction) == [
        "transactionType", "amount", "profile", "order", "transactionSettings",
    ]  # fmt: skip
    assert transaction["amount"] == "19.99"
    assert transaction["order"] == {"invoiceNumber": invoice_number("pay_7:authorize")}
    assert len(invoice_number("pay_7:authorize")) == 20


async def test_a_currency_the_account_does_not_settle_in_is_refused(
    answered_by: Callable[[Handler], AuthorizeNetGateway],
) -> None:
    gateway = answered_by(recorded()[0])
    with pytest.raises(GatewayDeclined) as refused:
        await gateway.authorize(TOKEN, 2500, "EUR", "pay_8:authorize")
    assert refused.value.code == "currency_not_supported"


async def test_a_server_error_is_an_unknown_outcome_not_a_refusal(
    answered_by: Callable[[Handler], AuthorizeNetGateway],
) -> None:
    """A 5xx came from a server the request reached: it may have been applied (failover must
    not treat it as 'nothing sent'); a 4xx from the front door was refused before it."""

    def failing(status: int) -> Handler:
        return lambda request: httpx.Response(status, text="Internal Server Error")

    with pytest.raises(GatewayOutcomeUnknown):
        await answered_by(failing(500)).authorize(TOKEN, 2500, "USD", "pay_3:authorize")
    with pytest.raises(GatewayTransientError) as refused:
        await answered_by(failing(429)).authorize(TOKEN, 2500, "USD", "pay_3:authorize")
    assert not isinstance(refused.value, GatewayOutcomeUnknown)
