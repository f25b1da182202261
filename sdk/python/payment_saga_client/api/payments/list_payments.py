from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...models.payment_list import PaymentList
from ...models.payment_status import PaymentStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    order_id: None | str | Unset = UNSET,
    status: None | PaymentStatus | Unset = UNSET,
    gateway_reference: None | str | Unset = UNSET,
    limit: int | Unset = 10,
    starting_after: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_order_id: None | str | Unset
    if isinstance(order_id, Unset):
        json_order_id = UNSET
    else:
        json_order_id = order_id
    params["order_id"] = json_order_id

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, PaymentStatus):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_gateway_reference: None | str | Unset
    if isinstance(gateway_reference, Unset):
        json_gateway_reference = UNSET
    else:
        json_gateway_reference = gateway_reference
    params["gateway_reference"] = json_gateway_reference

    params["limit"] = limit

    json_starting_after: None | str | Unset
    if isinstance(starting_after, Unset):
        json_starting_after = UNSET
    else:
        json_starting_after = starting_after
    params["starting_after"] = json_starting_after

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/payments",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorOut | PaymentList | None:
    if response.status_code == 200:
        response_200 = PaymentList.from_dict(response.json())

        return response_200

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorOut | PaymentList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    order_id: None | str | Unset = UNSET,
    status: None | PaymentStatus | Unset = UNSET,
    gateway_reference: None | str | Unset = UNSET,
    limit: int | Unset = 10,
    starting_after: None | str | Unset = UNSET,
) -> Response[ErrorOut | PaymentList]:
    """List Payments

    Args:
        order_id (None | str | Unset):
        status (None | PaymentStatus | Unset):
        gateway_reference (None | str | Unset): the processor's id of the payment or of one of its
            refunds
        limit (int | Unset):  Default: 10.
        starting_after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | PaymentList]
    """

    kwargs = _get_kwargs(
        order_id=order_id,
        status=status,
        gateway_reference=gateway_reference,
        limit=limit,
        starting_after=starting_after,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    order_id: None | str | Unset = UNSET,
    status: None | PaymentStatus | Unset = UNSET,
    gateway_reference: None | str | Unset = UNSET,
    limit: int | Unset = 10,
    starting_after: None | str | Unset = UNSET,
) -> ErrorOut | PaymentList | None:
    """List Payments

    Args:
        order_id (None | str | Unset):
        status (None | PaymentStatus | Unset):
        gateway_reference (None | str | Unset): the processor's id of the payment or of one of its
            refunds
        limit (int | Unset):  Default: 10.
        starting_after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | PaymentList
    """

    return sync_detailed(
        client=client,
        order_id=order_id,
        status=status,
        gateway_reference=gateway_reference,
        limit=limit,
        starting_after=starting_after,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    order_id: None | str | Unset = UNSET,
    status: None | PaymentStatus | Unset = UNSET,
    gateway_reference: None | str | Unset = UNSET,
    limit: int | Unset = 10,
    starting_after: None | str | Unset = UNSET,
) -> Response[ErrorOut | PaymentList]:
    """List Payments

    Args:
        order_id (None | str | Unset):
        status (None | PaymentStatus | Unset):
        gateway_reference (None | str | Unset): the processor's id of the payment or of one of its
            refunds
        limit (int | Unset):  Default: 10.
        starting_after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | PaymentList]
    """

    kwargs = _get_kwargs(
        order_id=order_id,
        status=status,
        gateway_reference=gateway_reference,
        limit=limit,
        starting_after=starting_after,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    order_id: None | str | Unset = UNSET,
    status: None | PaymentStatus | Unset = UNSET,
    gateway_reference: None | str | Unset = UNSET,
    limit: int | Unset = 10,
    starting_after: None | str | Unset = UNSET,
) -> ErrorOut | PaymentList | None:
    """List Payments

    Args:
        order_id (None | str | Unset):
        status (None | PaymentStatus | Unset):
        gateway_reference (None | str | Unset): the processor's id of the payment or of one of its
            refunds
        limit (int | Unset):  Default: 10.
        starting_after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | PaymentList
    """

    return (
        await asyncio_detailed(
            client=client,
            order_id=order_id,
            status=status,
            gateway_reference=gateway_reference,
            limit=limit,
            starting_after=starting_after,
        )
    ).parsed
