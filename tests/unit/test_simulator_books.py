"""The simulator's books outlive it, as a processor's records do, and hold no card number."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.testservers.challenge import challenge_page, chosen_outcome
from devtools.testservers.simulator.books import (
    CAPTURE_REFUSED_CARD,
    AuthorizeRequest,
    Processor,
)
from tests.scan import leaks


def test_a_restarted_simulator_knows_what_it_did(tmp_path: Path) -> None:
    books = tmp_path / "books"
    first = Processor(authorization_ttl_seconds=60, books_path=books)
    token = first.tokenize("4242424242424242", 12, 2030)["token"]
    refused = first.tokenize(CAPTURE_REFUSED_CARD, 12, 2030)["token"]
    answer, _ = first.idempotent(
        "k1",
        {"op": "authorize"},
        lambda: first.authorize("k1", AuthorizeRequest(token, 900, "USD")),
    )
    auth = first.authorizations[answer.body["authorization_id"]]
    first.idempotent("k2", {"op": "capture"}, lambda: first.capture("k2", auth, 900))

    again = Processor(authorization_ttl_seconds=60, books_path=books)
    again.restore()

    assert again.authorizations[auth.id].captured == 900
    assert again.answers["k1"] == first.answers["k1"]
    assert [entry.operation for entry in again.ledger] == ["authorize", "capture"]
    assert again.token_cards == first.token_cards
    assert again.tokens[refused].capture_refused
    assert leaks(books.read_text(), "books") == []


def challenged(number: str, books: Path | None = None) -> tuple[Processor, str]:
    """A processor and the authorization a 3-D Secure card's authorize left waiting."""
    processor = Processor(authorization_ttl_seconds=60, books_path=books)
    token = processor.tokenize(number, 12, 2030)["token"]
    asked = AuthorizeRequest(token, 900, "EUR", "https://shop.test/back", "http://sim/v1")
    answer, _ = processor.idempotent(
        "k1", {"op": "authorize"}, lambda: processor.authorize("k1", asked)
    )
    assert answer.body["status"] == "requires_action"
    assert answer.body["next_action"]["redirect_url"].startswith("http://sim/v1/challenges/auth_")
    return processor, answer.body["authorization_id"]


def test_a_challenge_card_holds_nothing_until_the_customer_completes_it(tmp_path: Path) -> None:
    processor, auth_id = challenged("4000002760003184", tmp_path / "books")
    auth = processor.authorizations[auth_id]
    assert processor.hold_status(auth) == "requires_action" and processor.ledger == []
    assert 'id="complete"' in challenge_page("9.00 EUR", auth.authentication)

    processor.authenticate(auth, completed=True)
    processor.authenticate(auth, completed=True)  # a second press changes nothing

    assert processor.hold_status(auth) == "open"
    assert [(e.operation, e.idempotency_key) for e in processor.ledger] == [("authorize", "k1")]
    again = Processor(authorization_ttl_seconds=60, books_path=tmp_path / "books")
    again.restore()
    assert again.authorizations[auth_id].authentication == "succeeded"


@pytest.mark.parametrize(
    ("number", "completed", "code"),
    [
        ("4000002500003155", False, "authentication_failed"),
        ("4000008400001629", True, "card_declined"),
    ],
)
def test_a_failed_challenge_holds_nothing(number: str, completed: bool, code: str) -> None:
    processor, auth_id = challenged(number)
    auth = processor.authorizations[auth_id]
    processor.authenticate(auth, completed=completed)
    assert auth.failure is not None and auth.failure["code"] == code
    assert processor.hold_status(auth) == "released" and processor.ledger == []


def test_a_challenge_card_without_a_return_url_is_declined() -> None:
    processor = Processor(authorization_ttl_seconds=60)
    token = processor.tokenize("4000002760003184", 12, 2030)["token"]
    answer = processor.authorize("k1", AuthorizeRequest(token, 900, "EUR"))
    assert answer.status_code == 402
    assert answer.body["error"]["decline_code"] == "authentication_required"


def test_the_challenge_form_names_one_of_its_buttons() -> None:
    assert chosen_outcome(b"outcome=complete") == "complete"
    assert chosen_outcome(b"outcome=fail") == "fail"
    assert chosen_outcome(b"outcome=steal") is None
    assert chosen_outcome(b"\xff") is None
