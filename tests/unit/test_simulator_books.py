"""The simulator's books outlive it, as a processor's records do, and hold no card number."""

from __future__ import annotations

from pathlib import Path

from devtools.testservers.simulator.books import CAPTURE_REFUSED_CARD, Processor
from tests.scan import leaks


def test_a_restarted_simulator_knows_what_it_did(tmp_path: Path) -> None:
    books = tmp_path / "books"
    first = Processor(authorization_ttl_seconds=60, books_path=books)
    token = first.tokenize("4242424242424242", 12, 2030)["token"]
    refused = first.tokenize(CAPTURE_REFUSED_CARD, 12, 2030)["token"]
    answer, _ = first.idempotent(
        "k1", {"op": "authorize"}, lambda: first.authorize("k1", token, 900, "USD")
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
