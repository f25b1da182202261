"""A 3-D Secure challenge page, as an issuer's authentication page is in the processors' test
modes (Stripe's test 3-D Secure page has "Complete" and "Fail" buttons): plain HTML with no
script, so any browser (and a headless one in the tests) can use it. The simulator and the
Stripe test server serve it for their challenge cards."""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

OUTCOMES = ("complete", "fail")


def challenge_page(amount: str, state: str) -> str:
    """The page for a payment of `amount`; buttons only while the challenge is `pending`."""
    if state != "pending":
        return closed_page(f"This challenge is {state}.")
    return _page(
        "3-D Secure test payment",
        f"""<p>Complete or fail the 3-D Secure authentication of a payment of
<strong id="amount">{escape(amount)}</strong>.</p>
<form method="post">
  <button type="submit" name="outcome" value="complete" id="complete">Complete</button>
  <button type="submit" name="outcome" value="fail" id="fail">Fail</button>
</form>""",
    )


def closed_page(message: str) -> str:
    return _page("3-D Secure", f"<p id='done'>{escape(message)}</p>")


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
