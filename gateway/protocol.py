"""The one protocol every payment gateway implements.

Every mutating call carries an idempotency key: the same key gets the same answer and is applied
at most once. `lookup` finds what a key did, for when a response was lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.messages import CardSummary


@dataclass(frozen=True)
class CardInput:
    """Raw card data. Lives only in the API process, only until `tokenize` returns."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str
    holder_name: str | None = None

    def __repr__(self) -> str:  # never let a traceback or log print the number
        return f"CardInput(last4={self.number[-4:]!r}, exp={self.exp_month}/{self.exp_year})"


@dataclass(frozen=True)
class TokenizedCard:
    """The token that stands for the card, and all we may keep about the card itself."""

    token: str
    card: CardSummary


@dataclass(frozen=True)
class GatewayOperation:
    """A successfully applied operation as the gateway recorded it."""

    operation: str
    idempotency_key: str
    reference: str
    authorization_id: str
    amount: int
    currency: str


class PaymentGateway(Protocol):
    async def tokenize(self, card: CardInput) -> TokenizedCard: ...

    async def authorize(
        self, token: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayOperation: ...

    async def capture(
        self, authorization_id: str, amount: int, idempotency_key: str
    ) -> GatewayOperation: ...

    async def void(self, authorization_id: str, idempotency_key: str) -> GatewayOperation: ...

    async def refund(
        self, authorization_id: str, amount: int, idempotency_key: str
    ) -> GatewayOperation: ...

    async def lookup(self, idempotency_key: str) -> GatewayOperation | None:
        """What the key did: the operation, None when never applied; raises the stored decline."""
        ...
