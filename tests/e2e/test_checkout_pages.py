"""The customer's side of 3-D Secure in a real headless browser (Debian's Chromium driven by
Playwright): from the create's `next_action` through the challenge page and our return route
to the shop's page, as a checkout takes its customer. The shop is a page served on loopback
by the test (the browser does not intercept a request it reaches by a redirect)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.e2e.conftest import create, payment_body
from tests.e2e.test_customer_actions import CHALLENGE_CARD, settled

THANKS = b"<!doctype html><title>Shop</title><h1 id='thanks'>Thank you</h1>"


class ShopPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(THANKS)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the test's output stays the test's


@pytest.fixture(scope="module")
def shop() -> Iterator[str]:
    """The order service's page the customer comes back to: its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ShopPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/checkout/done"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    chromium = shutil.which("chromium")
    assert chromium, (
        "Chromium is installed by `make install` (devtools/scripts/install-system-deps.sh)"
    )
    async with async_playwright() as playwright:
        # As root the sandbox cannot start; the pages are our own, on loopback.
        launched = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context()
    yield await context.new_page()
    await context.close()


async def requiring_action(api: httpx.AsyncClient, shop: str) -> dict[str, Any]:
    response = await create(api, payment_body(CHALLENGE_CARD, return_url=shop))
    assert response.status_code == 201, response.text
    payment: dict[str, Any] = response.json()
    assert payment["status"] == "requires_action"
    return payment


def landed(page: Page, shop: str) -> dict[str, list[str]]:
    """Where the browser ended: the shop's page, and what our return route added."""
    url = urlsplit(page.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == shop
    return parse_qs(url.query)


async def test_completing_the_challenge_lands_on_the_shop_with_the_payment_captured(
    api: httpx.AsyncClient, page: Page, shop: str
) -> None:
    payment = await requiring_action(api, shop)
    await page.goto(payment["next_action"]["redirect_to_url"]["url"])
    assert "25.00" in await page.inner_text("#amount")

    async with page.expect_navigation(url=f"{shop}*"):
        await page.click("#complete")

    assert landed(page, shop) == {"payment_id": [payment["id"]], "redirect_status": ["succeeded"]}
    assert await page.inner_text("#thanks") == "Thank you"
    assert (await settled(api, payment["id"], "captured"))["amount_captured"] == 2500


async def test_failing_the_challenge_lands_on_the_shop_with_the_payment_failed(
    api: httpx.AsyncClient, page: Page, shop: str
) -> None:
    payment = await requiring_action(api, shop)
    await page.goto(payment["next_action"]["redirect_to_url"]["url"])

    async with page.expect_navigation(url=f"{shop}*"):
        await page.click("#fail")

    assert landed(page, shop)["redirect_status"] == ["failed"]
    failed = await settled(api, payment["id"], "failed")
    assert failed["failure"]["code"] == "authentication_failed"


async def test_an_abandoned_challenge_fails_at_the_limit(
    api: httpx.AsyncClient, page: Page, shop: str
) -> None:
    payment = await requiring_action(api, shop)
    await page.goto(payment["next_action"]["redirect_to_url"]["url"])
    await page.close()  # the customer walks away

    failed = await settled(api, payment["id"], "failed")  # the stack's limit: 30 s

    assert failed["failure"]["code"] == "action_expired"
    assert failed["next_action"] is None


async def test_approving_at_paypal_lands_on_the_shop_with_the_payment_captured(
    api: httpx.AsyncClient, page: Page, shop: str
) -> None:
    body = {
        "order_id": "ord_paypal_page", "amount": 1999, "currency": "USD",
        "payment_method": {"type": "paypal"}, "return_url": shop,
    }  # fmt: skip
    response = await create(api, body)
    assert response.status_code == 201, response.text
    payment = response.json()
    await page.goto(payment["next_action"]["redirect_to_url"]["url"])
    assert "19.99" in await page.inner_text("#amount")

    async with page.expect_navigation(url=f"{shop}*"):
        await page.click("#approve")

    assert landed(page, shop) == {"payment_id": [payment["id"]], "redirect_status": ["succeeded"]}
    assert (await settled(api, payment["id"], "captured"))["amount_captured"] == 1999
