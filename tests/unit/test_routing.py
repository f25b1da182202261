"""Routing rules, and tokenizing at the edge for a route: a processor that is down leaves the
route, a processor's own token goes to the processor that knows it."""

from __future__ import annotations

import pytest

from api.schemas import PaymentMethodIn, TokenPaymentMethodIn
from api.tokens import Tokenizer
from domain.errors import GatewayDeclined, GatewayTransientError, InvalidRequest
from domain.fingerprints import CardFingerprints
from domain.messages import CardSummary
from gateway.protocol import CardInput, TokenizedCard
from gateway.routing import Gateways, kinds_in_use
from settings import GatewaySettings, RouteRule

CARD = PaymentMethodIn.model_validate(
    {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031,
                              "cvc": "123"}}
)  # fmt: skip


class FakeProcessor:
    """Tokenizes with a prefix; `down` refuses every call; `knows` the tokens it describes."""

    def __init__(self, prefix: str, *, down: bool = False) -> None:
        self.prefix, self.down = prefix, down

    async def tokenize(self, card: CardInput) -> TokenizedCard:
        if self.down:
            raise GatewayTransientError("down")
        return TokenizedCard(
            f"{self.prefix}_1", CardSummary("visa", card.number[-4:], 12, 2031, "")
        )

    async def describe(self, token: str) -> TokenizedCard:
        if not token.startswith(self.prefix):
            raise GatewayDeclined("invalid_token", "not ours")
        return TokenizedCard(token, CardSummary("mastercard", "4444", 1, 2030, "fp"))


def gateways(routes: list[RouteRule], **adapters: FakeProcessor) -> Gateways:
    return Gateways(adapters, GatewaySettings(kind="simulator", routes=routes))  # type: ignore[arg-type]


def test_the_first_matching_rule_picks_the_processors() -> None:
    routes = [
        RouteRule(currencies=["EUR"], processors=["stripe"]),
        RouteRule(brands=["amex"], processors=["authorizenet", "stripe"]),
    ]
    chosen = gateways(routes, simulator=FakeProcessor("tok"))
    assert chosen.route_for("EUR", "amex") == ["stripe"]
    assert chosen.route_for("USD", "amex") == ["authorizenet", "stripe"]
    assert chosen.route_for("USD", "visa") == ["simulator"]  # no rule: GATEWAY_KIND
    settings = GatewaySettings(routes=routes)
    assert kinds_in_use(settings) == ["simulator", "stripe", "authorizenet"]


async def test_a_card_is_tokenized_at_each_processor_of_its_route_except_one_that_is_down() -> None:
    route = [RouteRule(processors=["simulator", "stripe", "authorizenet"])]
    chosen = gateways(route, simulator=FakeProcessor("tok", down=True),
                      stripe=FakeProcessor("pm"), authorizenet=FakeProcessor("anet"))  # fmt: skip
    fingerprints = CardFingerprints({"k1": b"k" * 32})
    card, tokens = await Tokenizer(chosen, fingerprints).tokenized(CARD, "USD")
    assert [(t.processor, t.token) for t in tokens] == [
        ("stripe", "pm_1"),
        ("authorizenet", "anet_1"),
    ]
    assert card.fingerprint == fingerprints.of("4242424242424242")


async def test_a_processors_token_goes_to_the_processor_that_knows_it() -> None:
    chosen = gateways([RouteRule(processors=["simulator", "stripe"])],
                      simulator=FakeProcessor("tok"), stripe=FakeProcessor("pm"))  # fmt: skip
    tokenizer = Tokenizer(chosen, CardFingerprints({"k1": b"k" * 32}))
    method = TokenPaymentMethodIn(type="token", token="pm_card_visa")
    card, tokens = await tokenizer.tokenized(method, "USD")
    assert [(t.processor, t.token) for t in tokens] == [("stripe", "pm_card_visa")]
    assert card.brand == "mastercard"
    with pytest.raises(InvalidRequest):
        await tokenizer.tokenized(TokenPaymentMethodIn(type="token", token="nobody_1"), "USD")
