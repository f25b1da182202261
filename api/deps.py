"""Request dependencies: the caller's key and scope, its rate limit, and the app's services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from api.keys import Principal, find_active
from domain.errors import NotAuthenticated, NotPermitted, RateLimited


async def _authenticate(request: Request, authorization: str | None) -> Principal:
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise NotAuthenticated("send `Authorization: Bearer <api key>`")
    async with request.app.state.sessions() as session:
        principal = await find_active(session, secret.strip())
    if principal is None:
        raise NotAuthenticated("the API key is unknown or revoked")
    return principal


def requires(scope: str) -> Callable[..., Awaitable[Principal]]:
    async def dependency(
        request: Request,
        authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    ) -> Principal:
        principal = await _authenticate(request, authorization)
        verdict = request.app.state.rate_limiter.check(principal.key_id)
        request.state.rate_limit = verdict
        if not verdict.allowed:
            raise RateLimited("too many requests for this API key", retry_after=verdict.retry_after)
        if scope not in principal.scopes:
            raise NotPermitted(f"the API key lacks the `{scope}` scope", param=None)
        return principal

    return dependency


ReadPayments = Annotated[Principal, Depends(requires("payments:read"))]
WritePayments = Annotated[Principal, Depends(requires("payments:write"))]
WriteRefunds = Annotated[Principal, Depends(requires("refunds:write"))]
