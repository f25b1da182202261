"""Tokenizing at the edge: a card number becomes a token at each processor its route may use
(GATEWAY_ROUTES), a processor's own token is checked with the processor that issued it. Every
token belongs to one account (`processor_tokens`): another account's is refused as unknown."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from api.schemas import PaymentMethodIn, PayPalMethodIn, TokenPaymentMethodIn
from payment_saga.domain.cards import brand_of
from payment_saga.domain.errors import GatewayDeclined, GatewayTransientError, InvalidRequest
from payment_saga.domain.fingerprints import CardFingerprints
from payment_saga.domain.messages import CardSummary, ProcessorToken
from payment_saga.processors.port import CardInput, TokenizedCard
from payment_saga.processors.routing import Gateways

AnyMethod = PaymentMethodIn | TokenPaymentMethodIn | PayPalMethodIn
# The one answer for a token that is unknown and for one that is another account's: the two
# must not be told apart.
UNKNOWN_TOKEN = "no processor in use knows this token"


class TokenBook(Protocol):
    """Who owns each token (payment_saga/db/token_owners.py; a dict in unit tests)."""

    async def claim(self, processor: str, token: str, account_id: str) -> str: ...

    async def owner(self, processor: str, token: str) -> str | None: ...


class Tokenizer:
    def __init__(
        self, gateways: Gateways, fingerprints: CardFingerprints, owners: TokenBook
    ) -> None:
        self._gateways = gateways
        self._fingerprints = fingerprints
        self._owners = owners

    def fingerprints(self, method: AnyMethod) -> list[str]:
        """Our keyed fingerprint of a card number under each key, the active one first (a
        retry across a key rotation is still the same request); none for a token or PayPal."""
        return self._fingerprints.all_of(method.card.number) if method.type == "card" else [""]

    async def tokenized(
        self, method: PaymentMethodIn | TokenPaymentMethodIn, currency: str, account_id: str
    ) -> tuple[CardSummary, list[ProcessorToken]]:
        """The card's summary (with our keyed fingerprint, PCI DSS 3.5.1) and its token at each
        processor of its route, in order, each the account's. A payment requesting 3-D Secure
        goes only to processors that can ask for it."""
        authenticated = method.request_three_d_secure == "any"
        if method.type == "token":
            summary, route = await self._described(method.token, account_id)
            if authenticated:
                self._authenticating([choice.processor for choice in route])
            return summary, route
        card = method.card
        given = CardInput(card.number, card.exp_month, card.exp_year, card.cvc, card.holder_name)
        kinds = self._gateways.route_for(currency, brand_of(given.number))
        tokens = await self._tokens_on_route(
            given, self._authenticating(kinds) if authenticated else kinds
        )
        for kind, token in tokens:
            await self._owners.claim(kind, token.token, account_id)
        summary = replace(tokens[0][1].card, fingerprint=self._fingerprints.of(card.number))
        return summary, [ProcessorToken(kind, token.token) for kind, token in tokens]

    def _authenticating(self, kinds: list[str]) -> list[str]:
        """The processors among `kinds` that can ask for 3-D Secure; none is the caller's error."""
        able = [kind for kind in kinds if self._gateways.can_authenticate(kind)]
        if not able:
            raise InvalidRequest(
                f"3-D Secure was requested, and {', '.join(kinds)} cannot ask for it (docs/"
                'processors.md, "Customer actions")',
                code="three_d_secure_unavailable",
                param="payment_method.request_three_d_secure",
            )
        return able

    async def _tokens_on_route(
        self, given: CardInput, kinds: list[str]
    ) -> list[tuple[str, TokenizedCard]]:
        """The card's token at each processor of its route that takes it: one that is down or
        refuses to store the card leaves the route; none taking it is the caller's error when
        one refused it, else a 503 to retry."""
        tokens: list[tuple[str, TokenizedCard]] = []
        unavailable: GatewayTransientError | None = None
        refused: GatewayDeclined | None = None
        for kind in kinds:
            try:
                tokens.append((kind, await self._gateways[kind].tokenize(given)))
            except GatewayTransientError as error:
                unavailable = error
            except GatewayDeclined as error:
                refused = error
        if tokens:
            return tokens
        if refused is not None:
            raise InvalidRequest(
                f"the processor would not store the card: {refused.message}",
                code="card_not_accepted",
                param="payment_method.card",
            )
        raise unavailable or GatewayTransientError("no processor could tokenize the card")

    async def _described(
        self, token: str, account_id: str
    ) -> tuple[CardSummary, list[ProcessorToken]]:
        """A processor's token pays only there: the first processor in use that knows it, and
        only for the account that owns it."""
        for kind in self._gateways.kinds:
            try:
                found: TokenizedCard = await self._gateways[kind].describe(token)
            except GatewayDeclined:
                continue
            if not await self._owned(kind, token, found.token, account_id):
                break
            basis = f"{kind}:{found.card.fingerprint or found.token}"
            summary = replace(found.card, fingerprint=self._fingerprints.of(basis))
            return summary, [ProcessorToken(kind, found.token)]
        raise InvalidRequest(UNKNOWN_TOKEN, code="invalid_token", param="payment_method.token")

    async def _owned(self, kind: str, given: str, found: str, account_id: str) -> bool:
        """A token made just now from a single-use one (Accept.js data) is the caller's; one no
        account holds yet is claimed, unless its ids can be guessed; else it is its owner's."""
        if found != given or not self._gateways[kind].guessable_tokens:
            return await self._owners.claim(kind, found, account_id) == account_id
        return await self._owners.owner(kind, found) == account_id
