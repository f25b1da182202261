"""The order service's side: pay, refund and read payments with the retry rules built in.

A thin layer over the generated client (`payment_saga_client`, from docs/openapi.json). The
part order services most often get wrong is here once: a write that timed out, met a busy key
(409 `idempotency_key_in_use`), a rate limit (429) or a 5xx is sent again with the *same*
Idempotency-Key, with backoff, so it can never make a second payment or refund. A declined
card is a typed `CardDeclined`; every other refusal is a `PaymentRefused` with its code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from payment_saga_client import AuthenticatedClient
from payment_saga_client.api.payments import create_payment, get_payment
from payment_saga_client.api.refunds import create_refund
from payment_saga_client.models import (
    CardIn,
    ErrorOut,
    PaymentCreate,
    PaymentMethodIn,
    PaymentOut,
    RefundCreate,
    RefundOut,
)
from payment_saga_client.types import Response
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

T = TypeVar("T")
# Answers that mean "nothing was decided, or it is still being decided: ask again".
RETRIED_STATUSES = {409, 429, 500, 502, 503, 504}


class PaymentRefused(Exception):
    """The API refused the request for good: fix it, do not retry it as it is."""

    def __init__(self, status: int, error: ErrorOut | None) -> None:
        self.status = status
        self.code = error.error.code if error else "unknown"
        self.message = error.error.message if error else f"HTTP {status}"
        super().__init__(f"{status} {self.code}: {self.message}")


class CardDeclined(PaymentRefused):
    """402: the card was declined; `decline_code` says why (insufficient_funds, ...)."""

    def __init__(self, status: int, error: ErrorOut | None) -> None:
        super().__init__(status, error)
        decline = error.error.decline_code if error else None
        self.decline_code = decline if isinstance(decline, str) else None


class _TryAgain(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")


class OrderPayments:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        attempts: int = 6,
        timeout_seconds: float = 40.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        httpx_args: dict[str, Any] = {"transport": transport} if transport else {}
        self._client = AuthenticatedClient(
            base_url=base_url,
            token=api_key,
            timeout=httpx.Timeout(timeout_seconds),
            httpx_args=httpx_args,
        )
        self._attempts = attempts

    async def pay(
        self,
        *,
        order_id: str,
        amount: int,
        currency: str,
        card: CardIn,
        idempotency_key: str,
        wait_seconds: int = 10,
    ) -> PaymentOut:
        """Create the payment and wait for its outcome (202: the payment as it stands)."""
        body = PaymentCreate(
            order_id=order_id,
            amount=amount,
            currency=currency,
            payment_method=PaymentMethodIn(type_="card", card=card),
        )
        return await self._write(
            lambda: create_payment.asyncio_detailed(
                client=self._client,
                body=body,
                idempotency_key=idempotency_key,
                prefer=f"wait={wait_seconds}",
            ),
            PaymentOut,
        )

    async def refund(
        self, payment_id: str, *, amount: int | None, idempotency_key: str
    ) -> RefundOut:
        body = RefundCreate(amount=amount) if amount is not None else RefundCreate()
        return await self._write(
            lambda: create_refund.asyncio_detailed(
                payment_id, client=self._client, body=body, idempotency_key=idempotency_key
            ),
            RefundOut,
        )

    async def payment(self, payment_id: str) -> PaymentOut:
        return await self._write(
            lambda: get_payment.asyncio_detailed(payment_id, client=self._client), PaymentOut
        )

    async def _write(self, send: Callable[[], Awaitable[Response[Any]]], expected: type[T]) -> T:
        """Send until answered for good; every retry is the same request, the same key."""
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(
                (_TryAgain, httpx.TimeoutException, httpx.TransportError)
            ),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(multiplier=0.2, max=5.0),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                response = await send()
                status = int(response.status_code)
                if status in RETRIED_STATUSES:
                    raise _TryAgain(status)
                if isinstance(response.parsed, expected):
                    return response.parsed
                error = response.parsed if isinstance(response.parsed, ErrorOut) else None
                if status == 402:
                    raise CardDeclined(status, error)
                raise PaymentRefused(status, error)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def aclose(self) -> None:
        await self._client.get_async_httpx_client().aclose()
