from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...models.refund_create import RefundCreate
from ...models.refund_out import RefundOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    payment_id: str,
    *,
    body: None | RefundCreate | Unset = UNSET,
    idempotency_key: str,
    prefer: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    if not isinstance(prefer, Unset):
        headers["prefer"] = prefer

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/payments/{payment_id}/refunds".format(
            payment_id=quote(str(payment_id), safe=""),
        ),
    }

    if isinstance(body, RefundCreate):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorOut | RefundOut | None:
    if response.status_code == 201:
        response_201 = RefundOut.from_dict(response.json())

        return response_201

    if response.status_code == 202:
        response_202 = RefundOut.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = ErrorOut.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorOut.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorOut.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorOut.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ErrorOut.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = ErrorOut.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorOut.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = ErrorOut.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorOut | RefundOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    payment_id: str,
    *,
    client: AuthenticatedClient,
    body: None | RefundCreate | Unset = UNSET,
    idempotency_key: str,
    prefer: None | str | Unset = UNSET,
) -> Response[ErrorOut | RefundOut]:
    """Create Refund

    Args:
        payment_id (str):
        idempotency_key (str): Your key for this write (an order id and attempt, a UUID): retry a
            timed-out or failed request with the same key, never a new one. Kept 24 h per account.
        prefer (None | str | Unset): `wait=N` (N <= API_MAX_WAIT_SECONDS, 30): wait up to N s for
            the outcome
        body (None | RefundCreate | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | RefundOut]
    """

    kwargs = _get_kwargs(
        payment_id=payment_id,
        body=body,
        idempotency_key=idempotency_key,
        prefer=prefer,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    payment_id: str,
    *,
    client: AuthenticatedClient,
    body: None | RefundCreate | Unset = UNSET,
    idempotency_key: str,
    prefer: None | str | Unset = UNSET,
) -> ErrorOut | RefundOut | None:
    """Create Refund

    Args:
        payment_id (str):
        idempotency_key (str): Your key for this write (an order id and attempt, a UUID): retry a
            timed-out or failed request with the same key, never a new one. Kept 24 h per account.
        prefer (None | str | Unset): `wait=N` (N <= API_MAX_WAIT_SECONDS, 30): wait up to N s for
            the outcome
        body (None | RefundCreate | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | RefundOut
    """

    return sync_detailed(
        payment_id=payment_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
        prefer=prefer,
    ).parsed


async def asyncio_detailed(
    payment_id: str,
    *,
    client: AuthenticatedClient,
    body: None | RefundCreate | Unset = UNSET,
    idempotency_key: str,
    prefer: None | str | Unset = UNSET,
) -> Response[ErrorOut | RefundOut]:
    """Create Refund

    Args:
        payment_id (str):
        idempotency_key (str): Your key for this write (an order id and attempt, a UUID): retry a
            timed-out or failed request with the same key, never a new one. Kept 24 h per account.
        prefer (None | str | Unset): `wait=N` (N <= API_MAX_WAIT_SECONDS, 30): wait up to N s for
            the outcome
        body (None | RefundCreate | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | RefundOut]
    """

    kwargs = _get_kwargs(
        payment_id=payment_id,
        body=body,
        idempotency_key=idempotency_key,
        prefer=prefer,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    payment_id: str,
    *,
    client: AuthenticatedClient,
    body: None | RefundCreate | Unset = UNSET,
    idempotency_key: str,
    prefer: None | str | Unset = UNSET,
) -> ErrorOut | RefundOut | None:
    """Create Refund

    Args:
        payment_id (str):
        idempotency_key (str): Your key for this write (an order id and attempt, a UUID): retry a
            timed-out or failed request with the same key, never a new one. Kept 24 h per account.
        prefer (None | str | Unset): `wait=N` (N <= API_MAX_WAIT_SECONDS, 30): wait up to N s for
            the outcome
        body (None | RefundCreate | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | RefundOut
    """

    return (
        await asyncio_detailed(
            payment_id=payment_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            prefer=prefer,
        )
    ).parsed
