"""Log redaction under every processor's names for the card (#27 item 6): Authorize.Net's
`cardNumber` and `cardCode`, Stripe's form fields `card[number]` and `card[cvc]` (also
URL-encoded), ours; a card number anywhere in text."""

from __future__ import annotations

from payment_saga.observability.redact import VALUE_MASK, redact_event, redact_text, redact_value

CVCS_IN_TEXT = [
    'cvc=123', '"cvv": "1234"', "'cvc2': 123", "security_code=123", '"cardCode": "123"',
    "card[cvc]=123", "card%5Bcvc%5D=123", "payment_method_data[card][cvc]=123",
]  # fmt: skip


def test_every_processors_card_fields_are_masked() -> None:
    request = {
        "creditCard": {"cardNumber": "4111111111111111", "cardCode": "123"},
        "card[number]": "4242424242424242", "card[cvc]": "123",
        "payment_method_data[card][cvc]": "123", "card": {"number": "x", "cvc": "1"},
        "amount": 1234, "last4": "4242",
    }  # fmt: skip
    masked = redact_value(request)
    assert masked["creditCard"] == {"cardNumber": VALUE_MASK, "cardCode": VALUE_MASK}
    assert masked["card[number]"] == masked["card[cvc]"] == VALUE_MASK
    assert masked["payment_method_data[card][cvc]"] == VALUE_MASK
    assert masked["card"] == {"number": VALUE_MASK, "cvc": VALUE_MASK}
    assert (masked["amount"], masked["last4"]) == (1234, "4242")


def test_cvcs_and_numbers_in_text_are_masked() -> None:
    for text in CVCS_IN_TEXT:
        assert "123" not in redact_text(text), text
    assert "4111" not in redact_text("card 4111 1111 1111 1111 declined")
    assert redact_text("amount=1234 order=123") == "amount=1234 order=123"


def test_a_log_event_keeps_no_card_field() -> None:
    event = {"event": "sent", "cardCode": "123", "body": "card[number]=4242424242424242"}
    redacted = redact_event(None, "info", event)
    assert redacted["cardCode"] == VALUE_MASK and "4242424242424242" not in redacted["body"]
