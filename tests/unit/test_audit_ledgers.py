"""Each test server's ledger comes to the audit by payment, in minor units."""

from __future__ import annotations

from payment_saga.db.models import Payment
from payment_saga.domain.keys import authorize_key, refund_key
from payment_saga.ops.audit.ledgers import by_invoice, by_key
from payment_saga.processors.authorizenet.adapter import invoice_number


def test_authorize_net_entries_follow_the_authorization_their_invoice_names() -> None:
    """Authorize.Net keeps only the invoice number we made from our key: a second
    authorization under the same invoice (past the duplicate window) is the same payment's."""
    invoice = invoice_number(authorize_key("pay_1"))
    entries = [
        {"operation": "authorize", "authorization": "6001", "amount": "10.00",
         "invoice_number": invoice},
        {"operation": "authorize", "authorization": "6002", "amount": "10.00",
         "invoice_number": invoice},
        {"operation": "capture", "authorization": "6001", "amount": "9.00",
         "invoice_number": invoice},
        {"operation": "refund", "authorization": "6001", "amount": "3.00",
         "invoice_number": invoice_number(refund_key("pay_1", "re_1"))},
        {"operation": "authorize", "authorization": "6003", "amount": "1.00",
         "invoice_number": "someone else's"},
    ]  # fmt: skip
    found = list(by_invoice(entries, [Payment(id="pay_1"), Payment(id="pay_2")], "USD"))
    assert [(owner, e["operation"], e["amount"]) for owner, e in found] == [
        ("pay_1", "authorize", 1000),
        ("pay_1", "authorize", 1000),
        ("pay_1", "capture", 900),
        ("pay_1", "refund", 300),
    ]


def test_routed_authorizations_are_found_under_the_processors_key() -> None:
    invoice = invoice_number(authorize_key("pay_1", "authorizenet"))
    entry = {
        "operation": "authorize",
        "authorization": "1",
        "amount": "1",
        "invoice_number": invoice,
    }
    assert [owner for owner, _ in by_invoice([entry], [Payment(id="pay_1")], "USD")] == ["pay_1"]


def test_keyed_entries_belong_to_the_payment_their_key_begins_with() -> None:
    entry = {"operation": "void", "idempotency_key": "pay_9:void", "amount": 0}
    assert list(by_key([entry])) == [("pay_9", entry)]
