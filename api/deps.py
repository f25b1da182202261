"""Request dependencies: the caller's key and scope, its rate limit, and the app's services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from api.commands import PaymentCommands
from api.idempotency import IdempotencyStore
from api.queries import PaymentQueries
from api.services import Services
from db.apikeys import Principal, find_active
from domain.errors import NotAuthenticated, NotPermitted, RateLimited
from settings import Settings


def services(request: Request) -> Services:
    """The app's services, set by the lifespan: the one place `app.state` is read."""
    built = request.app.state.services
    assert isinstance(built, Services)
    return built


ServicesDep = Annotated[Services, Depends(services)]


def _settings(built: ServicesDep) -> Settings:
    return built.settings


def _commands(built: ServicesDep) -> PaymentCommands:
    return built.commands


def _queries(built: ServicesDep) -> PaymentQueries:
    return built.queries


def _idempotency(built: ServicesDep) -> IdempotencyStore:
    return built.idempotency


SettingsDep = Annotated[Settings, Depends(_settings)]
CommandsDep = Annotated[PaymentCommands, Depends(_commands)]
QueriesDep = Annotated[PaymentQueries, Depends(_queries)]
IdempotencyDep = Annotated[IdempotencyStore, Depends(_idempotency)]


async def _authenticate(built: Services, authorization: str | None) -> Principal:
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise NotAuthenticated("send `Authorization: Bearer <api key>`")
    async with built.sessions() as session:
        principal = await find_active(session, secret.strip())
    if principal is None:
        raise NotAuthenticated("the API key is unknown or revoked")
    return principal


def requires(scope: str) -> Callable[..., Awaitable[Principal]]:
    async def dependency(
        request: Request,
        built: ServicesDep,
        authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    ) -> Principal:
        principal = await _authenticate(built, authorization)
        verdict = built.rate_limiter.check(principal.key_id)
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
