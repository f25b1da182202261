"""The simulator's 3-D Secure challenge page: what an issuer's authentication page does in
Stripe's test mode (a page with "complete" and "fail"), as plain HTML with no script, so any
browser (and a headless one in the tests) can use it."""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

from devtools.testservers.simulator.books import Authorization
from payment_saga.domain.money import format_amount

OUTCOMES = ("complete", "fail")


def challenge_page(auth: Authorization) -> str:
    amount = escape(format_amount(auth.amount, auth.currency))
    if auth.authentication != "pending":
        state = escape(auth.authentication)
        return _page("3-D Secure", f"<p id='done'>This challenge is {state}.</p>")
    return _page(
        "3-D Secure test payment",
        f"""<p>Complete or fail the 3-D Secure authentication of a payment of
<strong id="amount">{amount}</strong>.</p>
<form method="post">
  <button type="submit" name="outcome" value="complete" id="complete">Complete</button>
  <button type="submit" name="outcome" value="fail" id="fail">Fail</button>
</form>""",
    )


def closed_page(auth: Authorization) -> str:
    return _page("3-D Secure", f"<p id='done'>Authentication {escape(auth.authentication)}.</p>")


def chosen_outcome(form: bytes) -> str | None:
    """The button pressed, from the form's url-encoded body; anything else is None."""
    values = parse_qs(form.decode("utf-8", errors="replace")).get("outcome", [])
    return values[0] if values and values[0] in OUTCOMES else None


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body><h1>{escape(title)}</h1>
{body}
</body></html>
"""
