"""The pages a customer meets at a processor in its test mode: a 3-D Secure challenge (Stripe's
test page has "Complete" and "Fail") and PayPal's approval ("Pay" or "Cancel and return"),
as plain HTML with no script, so any browser (and a headless one in the tests) can use them.
The simulator and the Stripe and PayPal test servers serve them."""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

CHALLENGE = (("complete", "Complete"), ("fail", "Fail"))


def challenge_page(amount: str, state: str) -> str:
    """A 3-D Secure challenge for a payment of `amount`; buttons only while `pending`."""
    return choice_page("3-D Secure test payment", amount, state, CHALLENGE)


def choice_page(title: str, amount: str, state: str, choices: tuple[tuple[str, str], ...]) -> str:
    """A page asking the customer to choose, for a payment of `amount`, while `pending`."""
    if state != "pending":
        return closed_page(f"This page is {state}.")
    buttons = "\n".join(
        f'  <button type="submit" name="outcome" value="{value}" id="{value}">{label}</button>'
        for value, label in choices
    )
    return _page(
        title,
        f"""<p>A payment of <strong id="amount">{escape(amount)}</strong>.</p>
<form method="post">
{buttons}
</form>""",
    )


def closed_page(message: str) -> str:
    return _page("Done", f"<p id='done'>{escape(message)}</p>")


def chosen_outcome(form: bytes, choices: tuple[tuple[str, str], ...] = CHALLENGE) -> str | None:
    """The button pressed, from the form's url-encoded body; anything else is None."""
    values = parse_qs(form.decode("utf-8", errors="replace")).get("outcome", [])
    allowed = [value for value, _ in choices]
    return values[0] if values and values[0] in allowed else None


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body><h1>{escape(title)}</h1>
{body}
</body></html>
"""
