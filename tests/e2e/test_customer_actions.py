"""3-D Secure over HTTP, as a checkout's browser and the order service go through it: the
create answers `requires_action` with the challenge page, the customer completes or fails it
there, our return route sends them on to the shop, and the payment ends as the processor
says. The browser here is plain HTTP; tests/e2e/test_checkout_pages.py drives a real one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from devtools.stack.stack import Stack
from payment_saga.db.session import SessionFactory
from tests.e2e.conftest import create, payment_body
from tests.integration.test_saga_cards import event_types
from tests.integration.test_webhooks import post, stripe_event

CHALLENGE_CARD = "4000002760003184"
RETURN_URL = "https://shop.test/checkout/done?cart=7"


async def challenged(
    api: httpx.AsyncClient, card: str = CHALLENGE_CARD, **overrides: Any
) -> dict[str, Any]:
    """A payment waiting for the customer, as the waited create answers it."""
    response = await create(api, payment_body(card, return_url=RETURN_URL, **overrides))
    assert response.status_code == 201, response.text
    payment: dict[str, Any] = response.json()
    assert payment["status"] == "requires_action"
    return payment


async def press(page_url: str, outcome: str) -> httpx.Response:
    """The customer presses a button on the processor's page, a challenge or PayPal's
    approval (a browser: no API key)."""
    async with httpx.AsyncClient(timeout=30) as browser:
        page = await browser.get(page_url)
        assert page.status_code == 200 and f'value="{outcome}"' in page.text
        return await browser.post(page_url, data={"outcome": outcome})


async def come_back(location: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=60) as browser:
        return await browser.get(location)


async def settled(api: httpx.AsyncClient, payment_id: str, *statuses: str) -> dict[str, Any]:
    for _ in range(600):
        payment: dict[str, Any] = (await api.get(f"/v1/payments/{payment_id}")).json()
        if payment["status"] in statuses:
            return payment
        await asyncio.sleep(0.1)
    raise AssertionError(f"{payment_id} is still {payment['status']}")


async def authorizations(gateway_http: httpx.AsyncClient, payment_id: str) -> list[str]:
    ledger = (await gateway_http.get("/v1/ledger", params={"key_prefix": payment_id})).json()
    return [entry["operation"] for entry in ledger["entries"]]


async def test_a_completed_challenge_captures_and_sends_the_customer_back(
    api: httpx.AsyncClient, sessions: SessionFactory, gateway_http: httpx.AsyncClient
) -> None:
    payment = await challenged(api)
    action = payment["next_action"]
    assert action["type"] == "redirect_to_url" and action["expires_at"]
    assert action["redirect_to_url"]["return_url"] == RETURN_URL
    assert payment["return_url"] == RETURN_URL

    answered = await press(action["redirect_to_url"]["url"], "complete")
    assert answered.status_code == 303
    ours = answered.headers["location"]
    assert ours.endswith(f"/v1/payments/{payment['id']}/return")
    back = await come_back(ours)

    assert back.status_code == 303
    shop = urlsplit(back.headers["location"])
    assert (shop.netloc, shop.path) == ("shop.test", "/checkout/done")
    assert parse_qs(shop.query) == {
        "cart": ["7"], "payment_id": [payment["id"]], "redirect_status": ["succeeded"],
    }  # fmt: skip
    done = await settled(api, payment["id"], "captured")
    assert done["next_action"] is None and done["amount_captured"] == 2500
    assert await event_types(sessions, payment["id"]) == [
        "payment.requires_action", "payment.authorized", "payment.succeeded",
    ]  # fmt: skip
    assert await authorizations(gateway_http, payment["id"]) == ["authorize", "capture"]


@pytest.mark.parametrize(
    ("card", "outcome", "code"),
    [
        (CHALLENGE_CARD, "fail", "authentication_failed"),
        ("4000008400001629", "complete", "card_declined"),
    ],
)
async def test_a_failed_challenge_fails_the_payment_and_holds_nothing(
    api: httpx.AsyncClient, gateway_http: httpx.AsyncClient, card: str, outcome: str, code: str
) -> None:
    payment = await challenged(api, card)
    answered = await press(payment["next_action"]["redirect_to_url"]["url"], outcome)
    back = await come_back(answered.headers["location"])

    assert parse_qs(urlsplit(back.headers["location"]).query)["redirect_status"] == ["failed"]
    failed = await settled(api, payment["id"], "failed")
    assert failed["failure"]["code"] == code and failed["amount_authorized"] == 0
    assert "authorize" not in await authorizations(gateway_http, payment["id"])


async def test_a_challenge_card_without_a_return_url_is_declined(api: httpx.AsyncClient) -> None:
    response = await create(api, payment_body(CHALLENGE_CARD))

    assert response.status_code == 402
    assert response.json()["error"]["decline_code"] == "authentication_required"


async def test_a_frictionless_card_needs_no_challenge(api: httpx.AsyncClient) -> None:
    response = await create(api, payment_body("4000000000003055", return_url=RETURN_URL))
    assert response.status_code == 201 and response.json()["status"] == "captured"


def requesting_3ds(card: str, **overrides: Any) -> dict[str, Any]:
    body = payment_body(card, **overrides)
    body["payment_method"]["request_three_d_secure"] = "any"
    return body


async def test_a_payment_requesting_3ds_challenges_a_card_that_can_be(
    api: httpx.AsyncClient, gateway_http: httpx.AsyncClient
) -> None:
    """Stripe's `request_three_d_secure: any`: the frictionless card is challenged when the
    merchant asks (strong customer authentication); a card not enrolled goes through without."""
    response = await create(api, requesting_3ds("4000000000003055", return_url=RETURN_URL))
    assert response.status_code == 201 and response.json()["status"] == "requires_action"
    payment = response.json()
    answered = await press(payment["next_action"]["redirect_to_url"]["url"], "complete")
    await come_back(answered.headers["location"])
    assert (await settled(api, payment["id"], "captured"))["amount_captured"] == 2500

    not_enrolled = await create(api, requesting_3ds("4242424242424242", return_url=RETURN_URL))
    assert not_enrolled.status_code == 201 and not_enrolled.json()["status"] == "captured"


async def test_requesting_3ds_needs_a_return_url(api: httpx.AsyncClient) -> None:
    response = await create(api, requesting_3ds("4000000000003055"))

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("parameter_missing", "return_url")


@pytest.fixture
async def browser_closed(gateway_http: httpx.AsyncClient) -> AsyncIterator[None]:
    """The customer completes the challenge and closes the browser: no return reaches us."""
    (await gateway_http.put("/v1/admin/faults", json={"drop_returns": True})).raise_for_status()
    yield
    (await gateway_http.put("/v1/admin/faults", json={})).raise_for_status()


@pytest.mark.usefixtures("browser_closed")
async def test_a_customer_who_never_comes_back_is_found_by_the_runs_own_looks(
    api: httpx.AsyncClient,
) -> None:
    payment = await challenged(api, capture_method="manual")
    answered = await press(payment["next_action"]["redirect_to_url"]["url"], "complete")
    assert answered.status_code == 200  # the page ends there: nobody is sent back

    authorized = await settled(api, payment["id"], "authorized")
    assert authorized["amount_authorized"] == 2500


async def test_returns_racing_give_one_authorization(
    api: httpx.AsyncClient, sessions: SessionFactory, gateway_http: httpx.AsyncClient
) -> None:
    payment = await challenged(api, capture_method="manual")
    answered = await press(payment["next_action"]["redirect_to_url"]["url"], "complete")
    backs = await asyncio.gather(*[come_back(answered.headers["location"]) for _ in range(5)])

    assert {back.status_code for back in backs} == {303}
    await settled(api, payment["id"], "authorized")
    assert await event_types(sessions, payment["id"]) == [
        "payment.requires_action", "payment.authorized",
    ]  # fmt: skip
    assert await authorizations(gateway_http, payment["id"]) == ["authorize"]


async def test_a_cancel_during_the_wait_voids(
    api: httpx.AsyncClient, gateway_http: httpx.AsyncClient
) -> None:
    payment = await challenged(api)
    response = await api.post(
        f"/v1/payments/{payment['id']}/cancel", json={}, headers={"Prefer": "wait=10"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "canceled"
    assert await authorizations(gateway_http, payment["id"]) == ["void"]
    async with httpx.AsyncClient(timeout=30) as browser:  # the page is no longer a challenge
        page = await browser.get(payment["next_action"]["redirect_to_url"]["url"])
    assert "complete" not in page.text


async def test_a_return_url_must_be_a_web_address(api: httpx.AsyncClient) -> None:
    response = await create(api, payment_body(return_url="javascript:alert(1)"))

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("invalid_url", "return_url")


async def test_a_return_for_an_unknown_payment_is_404(api: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as browser:
        response = await browser.get("/v1/payments/pay_unknown/return")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"


async def test_the_wait_outlives_a_worker_restart(api: httpx.AsyncClient, stack: Stack) -> None:
    payment = await challenged(api, capture_method="manual")
    worker = stack.processes["worker"]
    worker.kill()  # SIGKILL while the run waits for the customer
    worker.start()

    answered = await press(payment["next_action"]["redirect_to_url"]["url"], "complete")
    back = await come_back(answered.headers["location"])

    assert back.status_code == 303
    assert (await settled(api, payment["id"], "authorized"))["amount_authorized"] == 2500


@pytest.mark.usefixtures("browser_closed")
async def test_the_processors_webhook_ends_the_wait_and_races_a_return_to_one_authorization(
    api: httpx.AsyncClient, sessions: SessionFactory, gateway_http: httpx.AsyncClient
) -> None:
    """No return (the browser was closed), then the processor's notice and a late return at
    once: one look authorizes, the other finds it done."""
    payment = await challenged(api, capture_method="manual")
    await press(payment["next_action"]["redirect_to_url"]["url"], "complete")
    ended = stripe_event(
        "payment_intent.amount_capturable_updated", {"id": payment["gateway_reference"]}
    )
    ours = f"{api.base_url}/v1/payments/{payment['id']}/return"

    webhook, back = await asyncio.gather(post(api, ended), come_back(ours))

    assert webhook.status_code == 200 and webhook.json()["payment_id"] == payment["id"]
    assert back.status_code == 303
    row = (await api.get(f"/v1/payments/{payment['id']}")).json()
    assert row["status"] == "authorized"  # by the time either answered
    assert await event_types(sessions, payment["id"]) == [
        "payment.requires_action", "payment.authorized",
    ]  # fmt: skip
    assert await authorizations(gateway_http, payment["id"]) == ["authorize"]
