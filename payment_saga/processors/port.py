"""The port every payment processor adapter implements (`GATEWAY_KIND`,
payment_saga/processors/registry.py).

The contract, which the saga relies on and each adapter's tests check:

- **Errors.** `GatewayDeclined` is final: the processor refused (a card decline, a capture or
  refund it will not make, an unknown token); it carries our `code` and, for card declines, the
  issuer's `decline_code` (docs/processors.md maps each processor's codes to ours). The saga
  never retries it. `GatewayTransientError` means nothing was applied and the same call may be
  sent again (5xx, 429, connection refused). `GatewayOutcomeUnknown` (a subclass) means the call
  may or may not have been applied (a timeout, a connection dropped after sending): before
  anything else, the saga asks `lookup`.
- **Idempotency.** Every mutating call carries our step's idempotency key
(payment_saga/domain/keys.py):
  sending it again gets the same answer and applies nothing twice. An adapter passes the key to
  the processor's own idempotency mechanism, or makes the call idempotent another way, and
  records the key on the processor's object so `lookup` can find it.
- **Lost responses.** `lookup` says what a key did: the operation, None when it was never
  applied, or the stored decline raised. It may be eventually consistent only where the adapter
  documents how that is covered (a retry sends the same key again, which cannot apply twice).
- **Customer actions.** An authorize given a `return_url` may answer `action_url` instead of an
  authorization: the customer must visit it. `action_outcome` then says how it ended; only
  then is anything held. A void releases it at any point (docs/api.md, "Customer actions").
- **Holds.** A processor releases an uncaptured authorization by itself when the card network's
  window ends, then refuses a void or capture of it. `hold` reads the authorization by id: a
  refused void whose hold is `released` or `missing` is a void that succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from payment_saga.domain.messages import CardSummary

Operation = Literal["authorize", "capture", "void", "refund"]


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
    """The token that stands for the card, and all we may keep about the card itself.

    `card.fingerprint` is the processor's own; the API replaces it with our keyed one."""

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
    # An authorization: when the processor releases the hold by itself, if it says.
    expires_at: datetime | None = None
    # An authorization that waits for the customer (3-D Secure, an approval page): the page
    # they must visit. Nothing is held until `action_outcome` says it is authorized.
    action_url: str | None = None


# What the processor holds on an authorization now: `open` (capturable), `released` (voided,
# or expired by the processor itself), `captured`, or `missing` (the processor knows no such
# authorization, so it holds nothing).
HoldStatus = Literal["open", "released", "captured", "missing"]


@dataclass(frozen=True)
class Hold:
    status: HoldStatus
    expires_at: datetime | None = None


@dataclass(frozen=True)
class OperationQuery:
    """Which call to look up: its key, its kind, and the authorization it acted on (None for an
    authorize, or when the authorization's id never reached us)."""

    operation: Operation
    idempotency_key: str
    authorization_id: str | None = None
    # True: answer None only when sure the key was never applied (a failover's proof). A
    # lookup that cannot be sure (a search that lags writes, a partial list) raises
    # GatewayOutcomeUnknown instead.
    consistent: bool = False


@dataclass(frozen=True)
class Settlement:
    """What the processor holds for an authorization: captured, and refunded (None: this
    processor cannot say)."""

    captured: int
    refunded: int | None


class PaymentGateway(Protocol):
    # True when the adapter's tokens are made of the processor's sequential ids (Authorize.Net's
    # profile ids): one account could name another's, so such a token pays only for the account
    # it was made for. False: the processor's tokens are unguessable, and one no account holds
    # yet (from the customer's browser) goes to the first account that pays with it.
    guessable_tokens: bool

    async def tokenize(self, card: CardInput) -> TokenizedCard:
        """Raw card data (simulator and test mode) to the processor's token."""
        ...

    async def describe(self, token: str) -> TokenizedCard:
        """A token the processor issued to the customer's browser (Stripe Elements' `pm_...`,
        the simulator's `tok_...`): the card it stands for. Raises `GatewayDeclined`
        (`invalid_token`) for a token the processor does not know."""
        ...

    async def authorize(
        self,
        token: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        return_url: str | None = None,
        request_three_d_secure: bool = False,
    ) -> GatewayOperation:
        """With `return_url` (where the processor sends the customer back), a card that asks
        for the customer answers an operation with `action_url`; without, it is declined
        `authentication_required`. `request_three_d_secure` (always with `return_url`): ask the
        issuer to authenticate whenever the card can be, as Stripe's `request_three_d_secure:
        any`. A processor that cannot ask ignores both (routing sends it no payment that
        requests it)."""
        ...

    async def action_outcome(
        self, authorization_id: str, idempotency_key: str
    ) -> GatewayOperation | None:
        """After `authorize` answered `action_url`: None while the customer has not finished,
        the authorization once they did, or `GatewayDeclined` when they failed (or the card was
        declined after it). Read by the authorization's id, strongly consistent."""
        ...

    async def capture(
        self, authorization_id: str, amount: int, idempotency_key: str
    ) -> GatewayOperation: ...

    async def void(self, authorization_id: str, idempotency_key: str) -> GatewayOperation: ...

    async def refund(
        self, authorization_id: str, amount: int, idempotency_key: str
    ) -> GatewayOperation: ...

    async def lookup(self, query: OperationQuery) -> GatewayOperation | None:
        """What the key did: the operation, None when never applied; raises the stored decline."""
        ...

    async def settlement(self, authorization_id: str) -> Settlement:
        """The processor's own view of the money, for the audit to compare with ours."""
        ...

    async def hold(self, authorization_id: str) -> Hold:
        """The authorization as the processor holds it now, read by its id (strongly
        consistent): after a refused void, whether anything is still held."""
        ...


@dataclass(frozen=True)
class SettlementItem:
    """One capture or refund as the processor settled it: `amount` is what moved (a refund's
    negative), `fee` what the processor kept, `net` what it paid out."""

    item_id: str
    kind: Literal["capture", "refund"]
    authorization_id: str
    reference: str  # the operation's id at the processor (a capture's, a refund's)
    amount: int
    fee: int
    net: int
    currency: str
    settlement_date: str  # YYYY-MM-DD
    payout_id: str


@dataclass(frozen=True)
class SettlementPage:
    """A page of a day's settlement report; `ready` False: the processor has no report for
    the day yet (its cut-off is ahead, or it is late)."""

    items: list[SettlementItem]
    has_more: bool
    ready: bool = True
    # Where the next page starts, when the processor pages by more than the last item's id
    # (Stripe: a payout and a balance transaction); empty: after the last item.
    cursor: str = ""


@runtime_checkable
class SettlementReports(Protocol):
    """A processor that reports what it settled, a day at a time (#32; docs/processors.md,
    "Settlement")."""

    async def settlement_report(self, day: str, starting_after: str | None) -> SettlementPage:
        """The day's items after `starting_after` (None: from the first), oldest first."""
        ...
