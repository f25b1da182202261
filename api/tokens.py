"""Tokenizing at the edge: a card number becomes a token at each processor its route may use
(GATEWAY_ROUTES), a processor's own token is checked with the processor that issued it."""

from __future__ import annotations

from dataclasses import replace

from api.schemas import PaymentMethodIn, TokenPaymentMethodIn
from domain.cards import brand_of
from domain.errors import GatewayDeclined, GatewayTransientError, InvalidRequest
from domain.fingerprints import CardFingerprints
from domain.messages import CardSummary, ProcessorToken
from gateway.protocol import CardInput, TokenizedCard
from gateway.routing import Gateways


class Tokenizer:
    def __init__(self, gateways: Gateways, fingerprints: CardFingerprints) -> None:
        self._gateways = gateways
        self._fingerprints = fingerprints

    def fingerprint(self, method: PaymentMethodIn | TokenPaymentMethodIn) -> str:
        """Our keyed fingerprint of a card number; none for a token (compared as it is)."""
        return self._fingerprints.of(method.card.number) if method.type == "card" else ""

    async def tokenized(
        self, method: PaymentMethodIn | TokenPaymentMethodIn, currency: str
    ) -> tuple[CardSummary, list[ProcessorToken]]:
        """The card's summary (with our keyed fingerprint, PCI DSS 3.5.1) and its token at each
        processor of its route, in order."""
        if method.type == "token":
            return await self._described(method.token)
        card = method.card
        given = CardInput(card.number, card.exp_month, card.exp_year, card.cvc, card.holder_name)
        tokens: list[tuple[str, TokenizedCard]] = []
        unavailable: GatewayTransientError | None = None
        for kind in self._gateways.route_for(currency, brand_of(card.number)):
            try:
                tokens.append((kind, await self._gateways[kind].tokenize(given)))
            except GatewayTransientError as error:
                unavailable = error  # a processor that is down now leaves the route
        if not tokens:
            raise unavailable or GatewayTransientError("no processor could tokenize the card")
        summary = replace(tokens[0][1].card, fingerprint=self._fingerprints.of(card.number))
        return summary, [ProcessorToken(kind, token.token) for kind, token in tokens]

    async def _described(self, token: str) -> tuple[CardSummary, list[ProcessorToken]]:
        """A processor's token pays only there: the first processor in use that knows it."""
        refusal: GatewayDeclined | None = None
        for kind in self._gateways.kinds:
            try:
                found: TokenizedCard = await self._gateways[kind].describe(token)
            except GatewayDeclined as unknown:
                refusal = unknown
                continue
            basis = f"{kind}:{found.card.fingerprint or found.token}"
            summary = replace(found.card, fingerprint=self._fingerprints.of(basis))
            return summary, [ProcessorToken(kind, found.token)]
        message = refusal.message if refusal else "no processor knows this token"
        raise InvalidRequest(message, code="invalid_token", param="payment_method.token")
