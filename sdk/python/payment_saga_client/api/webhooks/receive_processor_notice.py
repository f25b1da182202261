from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...models.webhook_receipt import WebhookReceipt
from ...types import Response


def _get_kwargs(
    processor: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/webhooks/{processor}".format(
            processor=quote(str(processor), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorOut | WebhookReceipt | None:
    if response.status_code == 200:
        response_200 = WebhookReceipt.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorOut.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = ErrorOut.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = ErrorOut.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorOut | WebhookReceipt]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    processor: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorOut | WebhookReceipt]:
    """Receive Processor Notice

     A processor's signed notice: Stripe's in `Stripe-Signature` (STRIPE_WEBHOOK_SECRET),
    Authorize.Net's in `X-ANET-Signature` (AUTHORIZENET_SIGNATURE_KEY); docs/processors.md,
    "Webhooks". 404 for a processor that sends none, or whose secret is not set.

    Args:
        processor (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | WebhookReceipt]
    """

    kwargs = _get_kwargs(
        processor=processor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    processor: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorOut | WebhookReceipt | None:
    """Receive Processor Notice

     A processor's signed notice: Stripe's in `Stripe-Signature` (STRIPE_WEBHOOK_SECRET),
    Authorize.Net's in `X-ANET-Signature` (AUTHORIZENET_SIGNATURE_KEY); docs/processors.md,
    "Webhooks". 404 for a processor that sends none, or whose secret is not set.

    Args:
        processor (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | WebhookReceipt
    """

    return sync_detailed(
        processor=processor,
        client=client,
    ).parsed


async def asyncio_detailed(
    processor: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorOut | WebhookReceipt]:
    """Receive Processor Notice

     A processor's signed notice: Stripe's in `Stripe-Signature` (STRIPE_WEBHOOK_SECRET),
    Authorize.Net's in `X-ANET-Signature` (AUTHORIZENET_SIGNATURE_KEY); docs/processors.md,
    "Webhooks". 404 for a processor that sends none, or whose secret is not set.

    Args:
        processor (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | WebhookReceipt]
    """

    kwargs = _get_kwargs(
        processor=processor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    processor: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorOut | WebhookReceipt | None:
    """Receive Processor Notice

     A processor's signed notice: Stripe's in `Stripe-Signature` (STRIPE_WEBHOOK_SECRET),
    Authorize.Net's in `X-ANET-Signature` (AUTHORIZENET_SIGNATURE_KEY); docs/processors.md,
    "Webhooks". 404 for a processor that sends none, or whose secret is not set.

    Args:
        processor (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | WebhookReceipt
    """

    return (
        await asyncio_detailed(
            processor=processor,
            client=client,
        )
    ).parsed
