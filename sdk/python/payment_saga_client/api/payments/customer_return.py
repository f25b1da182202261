from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    payment_id: str,
    *,
    canceled: bool | Unset = False,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["canceled"] = canceled

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/payments/{payment_id}/return".format(
            payment_id=quote(str(payment_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ErrorOut | str | None:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code == 303:
        response_303 = cast(Any, None)
        return response_303

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
) -> Response[Any | ErrorOut | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    payment_id: str,
    *,
    client: AuthenticatedClient | Client,
    canceled: bool | Unset = False,
) -> Response[Any | ErrorOut | str]:
    """The customer's return from a processor's page (no API key)

     `canceled`: the processor's cancel link brought the customer (PayPal's "Cancel and
    return"): the payment fails `action_canceled` unless the processor says it is done.

    Args:
        payment_id (str):
        canceled (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorOut | str]
    """

    kwargs = _get_kwargs(
        payment_id=payment_id,
        canceled=canceled,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    payment_id: str,
    *,
    client: AuthenticatedClient | Client,
    canceled: bool | Unset = False,
) -> Any | ErrorOut | str | None:
    """The customer's return from a processor's page (no API key)

     `canceled`: the processor's cancel link brought the customer (PayPal's "Cancel and
    return"): the payment fails `action_canceled` unless the processor says it is done.

    Args:
        payment_id (str):
        canceled (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorOut | str
    """

    return sync_detailed(
        payment_id=payment_id,
        client=client,
        canceled=canceled,
    ).parsed


async def asyncio_detailed(
    payment_id: str,
    *,
    client: AuthenticatedClient | Client,
    canceled: bool | Unset = False,
) -> Response[Any | ErrorOut | str]:
    """The customer's return from a processor's page (no API key)

     `canceled`: the processor's cancel link brought the customer (PayPal's "Cancel and
    return"): the payment fails `action_canceled` unless the processor says it is done.

    Args:
        payment_id (str):
        canceled (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorOut | str]
    """

    kwargs = _get_kwargs(
        payment_id=payment_id,
        canceled=canceled,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    payment_id: str,
    *,
    client: AuthenticatedClient | Client,
    canceled: bool | Unset = False,
) -> Any | ErrorOut | str | None:
    """The customer's return from a processor's page (no API key)

     `canceled`: the processor's cancel link brought the customer (PayPal's "Cancel and
    return"): the payment fails `action_canceled` unless the processor says it is done.

    Args:
        payment_id (str):
        canceled (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorOut | str
    """

    return (
        await asyncio_detailed(
            payment_id=payment_id,
            client=client,
            canceled=canceled,
        )
    ).parsed
