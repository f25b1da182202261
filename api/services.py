"""What the API's routes work with, built once by the lifespan (api/main.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from api.commands import PaymentCommands
from api.idempotency import IdempotencyStore
from api.keycache import KeyCache
from api.queries import PaymentQueries
from api.ratelimit import RateLimiter
from api.sharedlimit import SharedRateLimiter
from payment_saga.config import Settings
from payment_saga.db.session import SessionFactory
from payment_saga.steering.notices import ProcessorNotices


@dataclass(frozen=True)
class Services:
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
