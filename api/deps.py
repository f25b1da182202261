"""Request dependencies: the caller's key and scope, its rate limit, and the app's services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from api.commands import PaymentCommands
from api.headers import bearer_token
from api.idempotency import IdempotencyStore
from api.keycache import KeyCache
from api.queries import PaymentQueries
from api.ratelimit import RateLimiter
from api.sharedlimit import SharedRateLimiter
from payment_saga.config import Settings
from payment_saga.db.apikeys import Principal
from payment_saga.db.session import SessionFactory
from payment_saga.domain.errors import NotAuthenticated, NotPermitted, RateLimited
from payment_saga.steering.notices import ProcessorNotices


@dataclass(frozen=True)
class Services:
    """What the routes work with, built once by the lifespan (api/main.py)."""

    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    temporal: Client
    queries: PaymentQueries
    commands: PaymentCommands
    idempotency: IdempotencyStore
    rate_limiter: SharedRateLimiter  # per account, across API processes
    failed_auth: RateLimiter  # failed authentications per client address
    keys: KeyCache
    notices: ProcessorNotices  # processors' webhook events, to their payments


async def services(request: Request) -> Services:
    """The app's services, set by the lifespan: the one place `app.state` is read. (These
    dependencies are `async def` so FastAPI calls them in the loop: a plain `def` would be
    sent to a worker thread, one hop per dependency per request.)"""
    built = request.app.state.services
    assert isinstance(built, Services)
    return built


ServicesDep = Annotated[Services, Depends(services)]


async def _settings(built: ServicesDep) -> Settings:
    return built.settings


async def _commands(built: ServicesDep) -> PaymentCommands:
    return built.commands


async def _queries(built: ServicesDep) -> PaymentQueries:
    return built.queries


async def _idempotency(built: ServicesDep) -> IdempotencyStore:
    return built.idempotency


SettingsDep = Annotated[Settings, Depends(_settings)]
CommandsDep = Annotated[PaymentCommands, Depends(_commands)]
QueriesDep = Annotated[PaymentQueries, Depends(_queries)]
IdempotencyDep = Annotated[IdempotencyStore, Depends(_idempotency)]


async def _authenticate(request: Request, built: Services, authorization: str | None) -> Principal:
    """The key's principal; failed attempts are limited per client address, so guessing keys
    neither succeeds nor loads the database."""
    client = f"ip:{request.client.host if request.client else '-'}"
    secret = bearer_token(authorization) or ""
    principal = built.keys.cached(secret) if secret else None
    if principal is None and built.failed_auth.blocked(client):
        # Only keys seen lately still work from an address that keeps failing: no query.
        raise RateLimited("too many failed authentications from this address", retry_after=60)
    if principal is None and secret:
        principal = await built.keys.look_up(secret)
    if principal is None:
        built.failed_auth.check(client)
        raise NotAuthenticated(
            "send `Authorization: Bearer <api key>` with a key that is known, active and not"
            " expired"
        )
    return principal


# Declares the bearer scheme in the OpenAPI document; the checks are ours (_authenticate).
BEARER = HTTPBearer(
    auto_error=False, scheme_name="apiKey", description="An API key: `Bearer sk_...`"
)


def requires(scope: str) -> Callable[..., Awaitable[Principal]]:
    async def dependency(
        request: Request,
        built: ServicesDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    ) -> Principal:
        authorization = f"Bearer {credentials.credentials}" if credentials else None
        principal = await _authenticate(request, built, authorization)
        verdict = await built.rate_limiter.check(
            principal.account_id,
            per_minute=principal.rate_limit_per_minute,
            burst_limit=principal.rate_limit_burst,
        )
        request.state.rate_limit = verdict
        if not verdict.allowed:
            raise RateLimited("too many requests for this account", retry_after=verdict.retry_after)
        if scope not in principal.scopes:
            raise NotPermitted(f"the API key lacks the `{scope}` scope", param=None)
        return principal

    return dependency


ReadPayments = Annotated[Principal, Depends(requires("payments:read"))]
WritePayments = Annotated[Principal, Depends(requires("payments:write"))]
WriteRefunds = Annotated[Principal, Depends(requires("refunds:write"))]
