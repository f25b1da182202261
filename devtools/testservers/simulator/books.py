"""The simulated card processor's books: tokens, authorizations, idempotent answers, a ledger.

A processor keeps its records: restarted, it still knows what it authorized. The books are
kept in a journal file when the simulator is given one (`GATEWAY_BOOKS_PATH`; the local stack
puts it in `.data/`): one JSON line appended per change, replayed at start. They never hold a
card number: a token keeps what the number's test card does (`Behaviour`), its brand and last
four digits.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from payment_saga.domain.cards import brand_of

DECLINES: dict[str, tuple[str, str | None, str]] = {
    "4000000000000002": ("card_declined", "generic_decline", "The card was declined."),
    "4000000000009995": ("card_declined", "insufficient_funds", "The card has insufficient funds."),
    "4000000000000069": ("expired_card", None, "The card has expired."),
    "4000000000000127": ("incorrect_cvc", None, "The card's security code is incorrect."),
}
# Approved without surprises (docs/test-cards.md); the load generators use these.
APPROVED_CARDS = ("4242424242424242", "4111111111111111", "5555555555554444", "378282246310005")
FLAKY_CARD = "4000000000000119"  # processing_error twice, then approved
CAPTURE_REFUSED_CARD = "4000000000000259"
REFUND_REFUSED_CARD = "4000000000005126"
LOST_RESPONSE_CARD = "4000000000000341"  # the first authorize is applied, its answer lost
# Approved, then settled wrong (settlement.py): one minor unit short, or never.
SHORT_SETTLEMENT_CARD = "4000000000007726"
UNSETTLED_CARD = "4000000000007734"
FLAKY_FAILURES = 2
# The card's funding, as Stripe's test cards have it; any other card is credit.
FUNDING = {
    "4000056655665556": "debit",
    "5200828282828210": "debit",
    "5105105105105100": "prepaid",
}
# 3-D Secure, as Stripe's test cards do (docs/test-cards.md): a challenge the customer completes
# or fails on the simulator's page; the last one is declined after a completed challenge.
# 4000000000003055 (frictionless) is approved with no challenge, as any approved card.
CHALLENGE_CARDS = ("4000002760003184", "4000002500003155", "4000008400001629")
# Supports 3-D Secure without asking for it: challenged only when the payment requests it
# (Stripe's `request_three_d_secure: any`). Every other approved card is not enrolled, so a
# request for 3-D Secure is authorized without it, as Stripe's 4242424242424242 is.
FRICTIONLESS_CARD = "4000000000003055"
DECLINED_AFTER_CHALLENGE_CARD = "4000008400001629"
AUTHENTICATION_FAILED: dict[str, str | None] = {
    "code": "authentication_failed",
    "decline_code": None,
    "message": "The customer failed 3-D Secure authentication.",
}
DECLINED_AFTER_CHALLENGE: dict[str, str | None] = {
    "code": "card_declined",
    "decline_code": "generic_decline",
    "message": "The card was declined.",
}


@dataclass
class Answer:
    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Behaviour:
    """What a test card does, all the books keep of its number (docs/test-cards.md)."""

    decline: tuple[str, str | None, str] | None = None
    flaky: bool = False
    capture_refused: bool = False
    refund_refused: bool = False
    lost_response: bool = False
    challenge: bool = False
    declined_after_challenge: bool = False
    # Challenged when the payment requests 3-D Secure.
    enrolled: bool = False
    settles_short: bool = False
    never_settles: bool = False

    @classmethod
    def of(cls, number: str) -> Behaviour:
        return cls(
            challenge=number in CHALLENGE_CARDS,
            enrolled=number in CHALLENGE_CARDS or number == FRICTIONLESS_CARD,
            declined_after_challenge=number == DECLINED_AFTER_CHALLENGE_CARD,
            decline=DECLINES.get(number),
            flaky=number == FLAKY_CARD,
            capture_refused=number == CAPTURE_REFUSED_CARD,
            refund_refused=number == REFUND_REFUSED_CARD,
            lost_response=number == LOST_RESPONSE_CARD,
            settles_short=number == SHORT_SETTLEMENT_CARD,
            never_settles=number == UNSETTLED_CARD,
        )

    @classmethod
    def load(cls, data: dict[str, Any]) -> Behaviour:
        decline = data.get("decline")
        return cls(**{**data, "decline": tuple(decline) if decline else None})


@dataclass
class Authorization:
    id: str
    behaviour: Behaviour
    amount: int
    currency: str
    expires_at: float
    captured: int = 0
    refunded: int = 0
    voided: bool = False
    # Released by the processor itself at `expires_at`, and written in its ledger.
    expired: bool = False
    # 3-D Secure: not_required, pending (the customer has the challenge page), succeeded,
    # failed (then `failure` says why) or canceled (voided while pending); and where the
    # challenge page sends the customer back to.
    authentication: str = "not_required"
    return_url: str | None = None
    failure: dict[str, str | None] | None = None
    idempotency_key: str = ""


@dataclass(frozen=True)
class AuthorizeRequest:
    token: str
    amount: int
    currency: str
    # Where the challenge page sends the customer back (none: a challenge card is declined).
    return_url: str | None = None
    # The simulator's own address as the caller reached it: the challenge page's base.
    page_base: str = ""
    # `any`: challenge every enrolled card (Stripe's `request_three_d_secure`).
    request_three_d_secure: str | None = None


@dataclass
class LedgerEntry:
    operation: str
    idempotency_key: str
    authorization_id: str
    reference: str
    amount: int
    currency: str
    at: float


@dataclass
class Faults:
    latency_ms: int = 0
    failure_rate: float = 0.0
    lost_response_rate: float = 0.0
    outage: bool = False
    # Holds made from now on expire after this long (None: GATEWAY_AUTHORIZATION_TTL_SECONDS),
    # as processors expire them by themselves; the authorize answer's `expires_at` says when.
    hold_seconds: float | None = None
    # The customer's browser never comes back from the challenge (closed after completing it):
    # the page ends there instead of redirecting to the return URL.
    drop_returns: bool = False


@dataclass
class Processor:
    authorization_ttl_seconds: float
    faults: Faults = field(default_factory=Faults)
    # Where the books are kept (None: in memory only, for tests that start a fresh processor).
    books_path: Path | None = None
    tokens: dict[str, Behaviour] = field(default_factory=dict)
    # What `GET /v1/tokens/{token}` answers: the tokenize response, no number in it.
    token_cards: dict[str, dict[str, Any]] = field(default_factory=dict)
    authorizations: dict[str, Authorization] = field(default_factory=dict)
    answers: dict[str, tuple[str, Answer]] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    ledger: list[LedgerEntry] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)
    _secret: bytes = field(default_factory=lambda: secrets.token_bytes(16))

    def restore(self) -> None:
        """The books as the journal left them: each line one change, later lines win."""
        if self.books_path is None or not self.books_path.exists():
            return
        with self.books_path.open() as journal:
            for line in journal:
                if line.strip():
                    self._replay(json.loads(line))

    def _replay(self, change: dict[str, Any]) -> None:
        kind, data = change["kind"], change["data"]
        if kind == "secret":
            self._secret = bytes.fromhex(data)
        elif kind == "token":
            self.tokens[data["token"]] = Behaviour.load(data["behaviour"])
            self.token_cards[data["token"]] = data["card"]
        elif kind == "authorization":
            behaviour = Behaviour.load(data["behaviour"])
            self.authorizations[data["id"]] = Authorization(**{**data, "behaviour": behaviour})
        elif kind == "answer":
            self.answers[data["key"]] = (data["signature"], Answer(**data["answer"]))
        elif kind == "attempts":
            self.attempts[data["key"]] = data["count"]
        elif kind == "ledger":
            self.ledger.append(LedgerEntry(**data))

    def _journal(self, kind: str, data: Any) -> None:
        """One change appended to the books' file (none kept: in memory only)."""
        if self.books_path is None:
            return
        if not self.books_path.exists():
            self.books_path.parent.mkdir(parents=True, exist_ok=True)
            first = json.dumps({"kind": "secret", "data": self._secret.hex()})
            self.books_path.write_text(first + "\n")
        with self.books_path.open("a") as journal:
            journal.write(json.dumps({"kind": kind, "data": data}) + "\n")

    def _touched(self, auth: Authorization) -> None:
        self._journal("authorization", asdict(auth))

    def tokenize(self, number: str, exp_month: int, exp_year: int) -> dict[str, Any]:
        token = "tok_" + secrets.token_hex(12)
        self.tokens[token] = Behaviour.of(number)
        # Keyed, as a processor's are (we store our own keyed fingerprint, not this one).
        fingerprint = hmac.new(self._secret, number.encode(), hashlib.sha256).hexdigest()[:16]
        self.token_cards[token] = {
            "token": token, "brand": brand_of(number), "last4": number[-4:],
            "exp_month": exp_month, "exp_year": exp_year, "fingerprint": fingerprint,
            "funding": FUNDING.get(number, "credit"),
        }  # fmt: skip
        card = {"token": token, "behaviour": asdict(self.tokens[token])}
        self._journal("token", {**card, "card": self.token_cards[token]})
        return self.token_cards[token]

    def idempotent(self, key: str, request: dict[str, Any], apply: Any) -> tuple[Answer, bool]:
        """Run `apply` once per key; returns the answer and whether its response should be lost."""
        signature = json.dumps(request, sort_keys=True)
        stored = self.answers.get(key)
        if stored is not None:
            if stored[0] != signature:
                return _error(
                    409, "idempotency_mismatch", "key reused with other parameters"
                ), False
            return stored[1], False
        self.attempts[key] = self.attempts.get(key, 0) + 1
        self._journal("attempts", {"key": key, "count": self.attempts[key]})
        answer: Answer = apply()
        if answer.status_code >= 500:  # transient: not stored, a retry may succeed
            return answer, False
        self.answers[key] = (signature, answer)
        self._journal("answer", {"key": key, "signature": signature, "answer": asdict(answer)})
        lose = answer.status_code < 300 and random.random() < self.faults.lost_response_rate
        return answer, lose

    def authorize(self, key: str, body: AuthorizeRequest) -> Answer:
        card = self.tokens.get(body.token)
        if card is None:
            return _error(402, "invalid_token", "unknown card token")
        if card.flaky and self.attempts[key] <= FLAKY_FAILURES:
            return _error(503, "processing_error", "the processor had a hiccup")
        if card.decline is not None:
            code, decline_code, message = card.decline
            return _error(402, code, message, decline_code)
        if card.challenge and body.return_url is None:
            return _error(402, "authentication_required", "the card asks for 3-D Secure",
                          "authentication_required")  # fmt: skip
        auth = Authorization(
            id="auth_" + secrets.token_hex(10), behaviour=card, amount=body.amount,
            currency=body.currency, expires_at=time.time() + self._hold_seconds(),
            idempotency_key=key, return_url=body.return_url,
        )  # fmt: skip
        self.authorizations[auth.id] = auth
        requested = body.request_three_d_secure == "any" and card.enrolled
        if (card.challenge or requested) and body.return_url is not None:
            auth.authentication = "pending"
            self._touched(auth)
            return self._awaiting_customer(key, auth, body.page_base)
        return self._applied("authorize", key, auth, auth.id, body.amount)

    def _awaiting_customer(self, key: str, auth: Authorization, page_base: str) -> Answer:
        """Nothing held yet: the answer sends the customer to the challenge page."""
        body = {
            "object": "operation", "id": auth.id, "status": "requires_action",
            "operation": "authorize", "idempotency_key": key, "authorization_id": auth.id,
            "reference": auth.id, "amount": auth.amount, "currency": auth.currency,
            "at": time.time(), "expires_at": None,
            "next_action": {"redirect_url": f"{page_base.rstrip('/')}/challenges/{auth.id}"},
        }  # fmt: skip
        return Answer(200, body)

    def authenticate(self, auth: Authorization, completed: bool) -> None:
        """The customer completed or failed the challenge; a completed one authorizes (or is
        declined after it, for its test card), once."""
        if auth.authentication != "pending" or auth.voided:
            return
        if not completed:
            auth.authentication, auth.failure = "failed", AUTHENTICATION_FAILED
        elif auth.behaviour.declined_after_challenge:
            auth.authentication, auth.failure = "failed", DECLINED_AFTER_CHALLENGE
        else:
            auth.authentication = "succeeded"
            auth.expires_at = time.time() + self._hold_seconds()
            self._applied("authorize", auth.idempotency_key, auth, auth.id, auth.amount)
            return
        self._touched(auth)

    def _hold_seconds(self) -> float:
        held = self.faults.hold_seconds
        return held if held is not None else self.authorization_ttl_seconds

    def capture(self, key: str, auth: Authorization, amount: int) -> Answer:
        if auth.authentication in ("pending", "failed"):
            return _error(409, "authorization_closed", "the authorization was never completed")
        if auth.behaviour.capture_refused:
            return _error(402, "capture_refused", "the issuer refused the capture")
        if auth.voided or auth.captured:
            return _error(409, "authorization_closed", "the authorization was voided or captured")
        if time.time() > auth.expires_at:
            return _error(402, "authorization_expired", "the authorization has expired")
        if not 0 < amount <= auth.amount:
            return _error(400, "amount_exceeds_authorized", "capture exceeds the authorization")
        auth.captured = amount
        return self._applied("capture", key, auth, "cap_" + secrets.token_hex(8), amount)

    def void(self, key: str, auth: Authorization) -> Answer:
        if auth.captured:
            return _error(409, "authorization_closed", "a captured authorization cannot be voided")
        if auth.voided:
            return _error(409, "authorization_closed", "the authorization was voided already")
        if time.time() > auth.expires_at:  # released by the processor itself: nothing to void
            return _error(402, "authorization_expired", "the authorization has expired")
        auth.voided = True
        if auth.authentication == "pending":  # the challenge page no longer takes an answer
            auth.authentication = "canceled"
        return self._applied("void", key, auth, "void_" + secrets.token_hex(8), 0)

    def refund(self, key: str, auth: Authorization, amount: int) -> Answer:
        if auth.behaviour.refund_refused:
            return _error(402, "refund_refused", "the issuer refused the refund")
        if not 0 < amount <= auth.captured - auth.refunded:
            return _error(400, "amount_exceeds_refundable", "refund exceeds what was captured")
        auth.refunded += amount
        return self._applied("refund", key, auth, "rf_" + secrets.token_hex(8), amount)

    def hold_status(self, auth: Authorization) -> str:
        """What the processor holds on the authorization now."""
        if auth.captured:
            return "captured"
        if auth.voided or auth.authentication == "failed" or time.time() > auth.expires_at:
            return "released"
        return "requires_action" if auth.authentication == "pending" else "open"

    def expire_due(self) -> None:
        """Holds past their expiry were released by the processor itself: its ledger says so
        (an `expire` entry under the authorize key), as Stripe's and Authorize.Net's do."""
        now = time.time()
        for entry in [e for e in self.ledger if e.operation == "authorize"]:
            auth = self.authorizations.get(entry.authorization_id)
            if auth is None or auth.captured or auth.voided or auth.expired:
                continue
            if now <= auth.expires_at:
                continue
            auth.expired = True
            expired = LedgerEntry("expire", f"{entry.idempotency_key}:expired", auth.id,
                                  "exp_" + secrets.token_hex(8), 0, auth.currency,
                                  auth.expires_at)  # fmt: skip
            self.ledger.append(expired)
            self._touched(auth)
            self._journal("ledger", asdict(expired))

    def fail_refund(self, reference: str) -> LedgerEntry | None:
        """A refund the card network returned after the processor took it (an expired or
        closed card): the money is back with the merchant, as a webhook then reports."""
        refund = next((e for e in self.ledger if e.reference == reference), None)
        if refund is None or refund.operation != "refund":
            return None
        auth = self.authorizations[refund.authorization_id]
        auth.refunded -= refund.amount
        failed = LedgerEntry("refund_failed", refund.idempotency_key, refund.authorization_id,
                             reference, refund.amount, refund.currency, time.time())  # fmt: skip
        self.ledger.append(failed)
        self._touched(auth)
        self._journal("ledger", asdict(failed))
        return failed

    def _applied(
        self, operation: str, key: str, auth: Authorization, reference: str, amount: int
    ) -> Answer:
        entry = LedgerEntry(operation, key, auth.id, reference, amount, auth.currency, time.time())
        self.ledger.append(entry)
        self._touched(auth)
        self._journal("ledger", asdict(entry))
        body = {"object": "operation", "id": reference, "status": "succeeded", **asdict(entry)}
        body["expires_at"] = auth.expires_at
        return Answer(200, body)


def _error(status: int, code: str, message: str, decline_code: str | None = None) -> Answer:
    return Answer(
        status, {"error": {"code": code, "decline_code": decline_code, "message": message}}
    )
