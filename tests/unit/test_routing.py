"""Routing rules, and tokenizing at the edge for a route: a processor that is down leaves the
route, a processor's own token goes to the processor that knows it."""

from __future__ import annotations

import pytest

from api.schemas import PaymentMethodIn, TokenPaymentMethodIn
from api.tokens import UNKNOWN_TOKEN, Tokenizer
from payment_saga.config import GatewaySettings, RouteRule
from payment_saga.domain.errors import GatewayDeclined, GatewayTransientError, InvalidRequest
from payment_saga.domain.fingerprints import CardFingerprints
from payment_saga.domain.messages import CardSummary
from payment_saga.processors.port import CardInput, TokenizedCard
from payment_saga.processors.routing import Gateways, kinds_in_use

CARD = PaymentMethodIn.model_validate(
    {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031,
                              "cvc": "123"}}
)  # fmt: skip


class FakeProcessor:
    """Tokenizes with a prefix; `down` refuses every call; `knows` the tokens it describes."""

    def __init__(
        self, prefix: str, *, down: bool = False, guessable: bool = False, refuses: bool = False
    ) -> None:
        self.prefix, self.down, self.guessable_tokens = prefix, down, guessable
        self.refuses = refuses

    async def tokenize(self, card: CardInput) -> TokenizedCard:
        if self.down:
            raise GatewayTransientError("down")
        if self.refuses:
            raise GatewayDeclined("invalid_token", "A duplicate record already exists.", "E00039")
        return TokenizedCard(
            f"{self.prefix}_1", CardSummary("visa", card.number[-4:], 12, 2031, "")
        )

    async def describe(self, token: str) -> TokenizedCard:
        if not token.startswith(self.prefix):
            raise GatewayDeclined("invalid_token", "not ours")
        return TokenizedCard(token, CardSummary("mastercard", "4444", 1, 2030, "fp"))


class Owners:
    """The owners' book in memory."""

    def __init__(self) -> None:
        self.owners: dict[tuple[str, str], str] = {}

    async def claim(self, processor: str, token: str, account_id: str) -> str:
        return self.owners.setdefault((processor, token), account_id)

    async def owner(self, processor: str, token: str) -> str | None:
        return self.owners.get((processor, token))


def gateways(
    routes: list[RouteRule], authenticating: frozenset[str] = frozenset(), **adapters: FakeProcessor
) -> Gateways:
    settings = GatewaySettings(kind="simulator", routes=routes)
    return Gateways(adapters, settings, authenticating)  # type: ignore[arg-type]


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
    card, tokens = await Tokenizer(chosen, fingerprints, Owners()).tokenized(CARD, "USD", "acct_a")
    assert [(t.processor, t.token) for t in tokens] == [
        ("stripe", "pm_1"),
        ("authorizenet", "anet_1"),
    ]
    assert card.fingerprint == fingerprints.of("4242424242424242")


async def test_a_processors_token_goes_to_the_processor_that_knows_it() -> None:
    chosen = gateways([RouteRule(processors=["simulator", "stripe"])],
                      simulator=FakeProcessor("tok"), stripe=FakeProcessor("pm"))  # fmt: skip
    tokenizer = Tokenizer(chosen, CardFingerprints({"k1": b"k" * 32}), Owners())
    method = TokenPaymentMethodIn(type="token", token="pm_card_visa")
    card, tokens = await tokenizer.tokenized(method, "USD", "acct_a")
    assert [(t.processor, t.token) for t in tokens] == [("stripe", "pm_card_visa")]
    assert card.brand == "mastercard"
    with pytest.raises(InvalidRequest):
        await tokenizer.tokenized(
            TokenPaymentMethodIn(type="token", token="nobody_1"), "USD", "acct_a"
        )


def token(value: str) -> TokenPaymentMethodIn:
    return TokenPaymentMethodIn(type="token", token=value)


async def test_a_token_pays_only_for_the_account_that_owns_it() -> None:
    """Every account shares one merchant account at each processor: a token another account's
    customer stored once paid for anyone who named it (#27 item 2)."""
    chosen = gateways([RouteRule(processors=["stripe", "authorizenet"])],
                      simulator=FakeProcessor("tok"), stripe=FakeProcessor("pm"),
                      authorizenet=FakeProcessor("anet", guessable=True))  # fmt: skip
    tokenizer = Tokenizer(chosen, CardFingerprints({"k1": b"k" * 32}), Owners())
    _, minted = await tokenizer.tokenized(CARD, "USD", "acct_a")  # pm_1 and anet_1, acct_a's
    await tokenizer.tokenized(token("pm_browser"), "USD", "acct_a")  # claimed at first use

    for stored in ("anet_1", "pm_1", "pm_browser"):
        assert (await tokenizer.tokenized(token(stored), "USD", "acct_a"))[1]
        with pytest.raises(InvalidRequest) as refused:
            await tokenizer.tokenized(token(stored), "USD", "acct_b")
        assert (refused.value.code, refused.value.message) == ("invalid_token", UNKNOWN_TOKEN)
    with pytest.raises(InvalidRequest):  # sequential ids no account holds are nobody's to take
        await tokenizer.tokenized(token("anet_2"), "USD", "acct_b")
    assert [t.token for t in minted] == ["pm_1", "anet_1"]


async def test_a_processor_refusing_to_store_the_card_leaves_the_route() -> None:
    """Authorize.Net's refusal to store a card (E00039 for every card after the first) was not
    caught at the edge: a 500 that clients retried for ever (#27 item 3)."""
    refusing = FakeProcessor("anet", refuses=True)
    chosen = gateways([RouteRule(processors=["authorizenet", "stripe"])],
                      simulator=FakeProcessor("tok"), authorizenet=refusing,
                      stripe=FakeProcessor("pm"))  # fmt: skip
    tokenizer = Tokenizer(chosen, CardFingerprints({"k1": b"k" * 32}), Owners())
    _, tokens = await tokenizer.tokenized(CARD, "USD", "acct_a")
    assert [t.processor for t in tokens] == ["stripe"]

    alone = gateways([RouteRule(processors=["authorizenet"])],
                     simulator=FakeProcessor("tok"), authorizenet=refusing)  # fmt: skip
    with pytest.raises(InvalidRequest) as refused:
        await Tokenizer(alone, CardFingerprints({"k1": b"k" * 32}), Owners()).tokenized(
            CARD, "USD", "acct_a"
        )
    assert (refused.value.code, refused.value.param) == ("card_not_accepted", "payment_method.card")


def asking_for_3ds(
    method: PaymentMethodIn | TokenPaymentMethodIn,
) -> PaymentMethodIn | TokenPaymentMethodIn:
    return method.model_copy(update={"request_three_d_secure": "any"})


async def test_a_payment_requesting_3ds_skips_the_processors_that_cannot_ask() -> None:
    """A processor that cannot authenticate a card is skipped by routing for a payment that
    needs it (#29): Authorize.Net first on the route, Stripe takes it."""
    chosen = gateways([RouteRule(processors=["authorizenet", "stripe"])], frozenset({"stripe"}),
                      simulator=FakeProcessor("tok"), authorizenet=FakeProcessor("anet"),
                      stripe=FakeProcessor("pm"))  # fmt: skip
    tokenizer = Tokenizer(chosen, CardFingerprints({"k1": b"k" * 32}), Owners())

    _, plain = await tokenizer.tokenized(CARD, "USD", "acct_a")
    _, asking = await tokenizer.tokenized(asking_for_3ds(CARD), "USD", "acct_a")

    assert [t.processor for t in plain] == ["authorizenet", "stripe"]
    assert [t.processor for t in asking] == ["stripe"]


@pytest.mark.parametrize("method", [CARD, token("anet_1")])
async def test_a_payment_requesting_3ds_where_no_processor_can_ask_is_refused(
    method: PaymentMethodIn | TokenPaymentMethodIn,
) -> None:
    chosen = gateways([RouteRule(processors=["authorizenet"])], frozenset({"simulator"}),
                      simulator=FakeProcessor("tok"),
                      authorizenet=FakeProcessor("anet", guessable=True))  # fmt: skip
    owners = Owners()
    owners.owners[("authorizenet", "anet_1")] = "acct_a"
    tokenizer = Tokenizer(chosen, CardFingerprints({"k1": b"k" * 32}), owners)

    with pytest.raises(InvalidRequest) as refused:
        await tokenizer.tokenized(asking_for_3ds(method), "USD", "acct_a")

    assert refused.value.code == "three_d_secure_unavailable"
    assert refused.value.param == "payment_method.request_three_d_secure"
    assert owners.owners == {("authorizenet", "anet_1"): "acct_a"}  # nothing claimed
