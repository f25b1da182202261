"""3-D Secure in the Stripe test server, as Stripe's test mode does it ("Testing 3D Secure":
4000002760003184 always asks for authentication). A PaymentIntent confirmed with `return_url`
answers `requires_action` with `next_action.redirect_to_url`; the test page there has
"Complete" and "Fail"; completing leaves the intent `requires_capture` (manual capture),
failing leaves it `requires_payment_method` with `last_payment_error.code`
`payment_intent_authentication_failure`; then the customer is sent to `return_url` with
`payment_intent`, `payment_intent_client_secret` and `redirect_status` added. Confirmed with
`error_on_requires_action` instead, the confirm fails `authentication_required`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from devtools.testservers.challenge import challenge_page, chosen_outcome
from payment_saga.domain.money import format_amount
from payment_saga.domain.urls import with_query

AUTHENTICATION_FAILURE = {
    "type": "invalid_request_error",
    "code": "payment_intent_authentication_failure",
    "message": "The provided PaymentMethod has failed authentication.",
}
AUTHENTICATION_REQUIRED = {
    "type": "card_error",
    "code": "authentication_required",
    "decline_code": "authentication_required",
    "message": "Your card was declined. This transaction requires authentication.",
}


def ask_for_customer(
    intent: dict[str, Any], form: dict[str, str], base_url: str
) -> tuple[int, dict[str, Any]]:
    """A card that asks for 3-D Secure, at the confirm."""
    if form.get("return_url"):
        page = f"{base_url}/_fake/3ds/{intent['id']}"
        redirect = {"url": page, "return_url": form["return_url"]}
        intent.update(
            status="requires_action",
            amount_capturable=0,
            next_action={"type": "redirect_to_url", "redirect_to_url": redirect},
        )
        return 200, intent
    if form.get("error_on_requires_action") == "true":
        intent.update(status="requires_payment_method", last_payment_error=AUTHENTICATION_REQUIRED)
        return 402, {"error": {**AUTHENTICATION_REQUIRED, "payment_intent": intent}}
    intent.update(status="requires_action", amount_capturable=0)
    return 200, intent


def authenticate(intent: dict[str, Any], completed: bool) -> bool:
    """The customer's answer on the page; True when it authorized the intent (once)."""
    if intent["status"] != "requires_action":
        return False
    intent["next_action"] = None
    if not completed:
        intent.update(status="requires_payment_method", last_payment_error=AUTHENTICATION_FAILURE)
        return False
    intent.update(status="requires_capture", amount_capturable=intent["amount"])
    return True


def add_challenge_routes(app: FastAPI, intents: dict[str, dict[str, Any]], authorized: Any) -> None:
    """The test page; `authorized(intent)` records an authorization the page completed."""

    @app.get("/_fake/3ds/{intent_id}")
    async def challenge(intent_id: str) -> Response:
        intent = intents.get(intent_id)
        if intent is None:
            return JSONResponse({"error": {"code": "resource_missing"}}, 404)
        amount = format_amount(intent["amount"], intent["currency"].upper())
        state = "pending" if intent["status"] == "requires_action" else intent["status"]
        return HTMLResponse(challenge_page(amount, state))

    @app.post("/_fake/3ds/{intent_id}")
    async def answer(intent_id: str, request: Request) -> Response:
        intent = intents.get(intent_id)
        if intent is None:
            return JSONResponse({"error": {"code": "resource_missing"}}, 404)
        redirect = ((intent.get("next_action") or {}).get("redirect_to_url") or {}).copy()
        if authenticate(intent, chosen_outcome(await request.body()) == "complete"):
            authorized(intent)
        if not redirect.get("return_url"):
            return HTMLResponse(challenge_page("", intent["status"]))
        status = "succeeded" if intent["status"] == "requires_capture" else "failed"
        back = with_query(redirect["return_url"], {
            "payment_intent": intent_id,
            "payment_intent_client_secret": f"{intent_id}_secret_test",
            "redirect_status": status,
        })  # fmt: skip
        return RedirectResponse(back, status_code=303)
