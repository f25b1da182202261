"""Tables. Constraints carry the invariants so that no code path can break them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from payment_saga.domain import limits
from payment_saga.domain.states import CaptureMethod, PaymentStatus, RefundStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def sql_values(values: type[StrEnum]) -> str:
    """An enum's values as a SQL list for a CHECK: the enum is the one source of the list."""
    return ", ".join(f"'{member.value}'" for member in values)


PAYMENT_STATUSES = sql_values(PaymentStatus)
REFUND_STATUSES = sql_values(RefundStatus)
CAPTURE_METHODS = sql_values(CaptureMethod)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


Timestamp = DateTime(timezone=True)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "0 <= amount_refunded AND amount_refunded <= amount_captured"
            " AND amount_captured <= amount_authorized AND amount_authorized <= amount",
            name="amounts_ordered",
        ),
        CheckConstraint(f"status IN ({PAYMENT_STATUSES})", name="status_known"),
        CheckConstraint(f"capture_method IN ({CAPTURE_METHODS})", name="capture_method_known"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso"),
        Index("ix_payments_order_id_created_at", "order_id", "created_at"),
        Index("ix_payments_status_created_at", "status", "created_at"),
        Index("ix_payments_account_id_created_at", "account_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(limits.ID_MAX), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    order_id: Mapped[str] = mapped_column(String(limits.ORDER_ID_MAX))
    customer_id: Mapped[str | None] = mapped_column(String(limits.CUSTOMER_ID_MAX))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(32))
    capture_method: Mapped[str] = mapped_column(String(16))
    amount_authorized: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    amount_captured: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    amount_refunded: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    # card or paypal; the card's columns are set for a card only.
    payment_method: Mapped[str] = mapped_column(String(16), server_default=text("'card'"))
    card_token: Mapped[str | None] = mapped_column(String(limits.CARD_TOKEN_MAX))
    card_brand: Mapped[str | None] = mapped_column(String(32))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    card_exp_month: Mapped[int | None] = mapped_column(Integer)
    card_exp_year: Mapped[int | None] = mapped_column(Integer)
    card_fingerprint: Mapped[str | None] = mapped_column(String(limits.FINGERPRINT_MAX))
    # credit, debit or prepaid, when the processor said.
    card_funding: Mapped[str | None] = mapped_column(String(16))
    failure_code: Mapped[str | None] = mapped_column(String(limits.CODE_MAX))
    failure_decline_code: Mapped[str | None] = mapped_column(String(limits.CODE_MAX))
    failure_message: Mapped[str | None] = mapped_column(Text)
    gateway_reference: Mapped[str | None] = mapped_column(
        String(limits.GATEWAY_REFERENCE_MAX), index=True
    )
    description: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JSONB, server_default=text("'{}'::jsonb")
    )
    workflow_run_id: Mapped[str | None] = mapped_column(String(64))
    # Optimistic concurrency: every update names the version it read.
    version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # The last outbox sequence number used for this payment.
    event_sequence: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    # When funds were captured: the refund window runs from here (PAYMENTS_REFUND_WINDOW_SECONDS).
    captured_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # The processor the payment is on (authorized by, or being tried: GATEWAY_ROUTES); None on
    # rows from before routing, which are on the deployment's GATEWAY_KIND.
    processor: Mapped[str | None] = mapped_column(String(32))
    # The latest dispute the processor told us of (webhooks): open, won or lost; and why.
    dispute_status: Mapped[str | None] = mapped_column(String(16))
    dispute_reason: Mapped[str | None] = mapped_column(String(64))
    # The processors the payment may authorize on, in order, with its token at each
    # ([{"processor", "token"}]; empty: the deployment's GATEWAY_KIND alone). A later run
    # authorizes under the same keys as the first.
    route: Mapped[list[dict[str, str]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    # While outcome_unknown: the operation nobody could confirm ({"operation", "amount",
    # "refund_id"}), so any run can look it up again or take an operator's verdict.
    unknown_operation: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # When the processor releases the hold by itself (Stripe's capture_before), if it says.
    authorization_expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # Customer actions (docs/api.md): the order service's page the customer returns to, the
    # processor's page they must visit while requires_action, and until when the payment waits.
    return_url: Mapped[str | None] = mapped_column(String(limits.URL_MAX))
    action_url: Mapped[str | None] = mapped_column(Text)
    action_expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # What the authorization asked of the processor, so a later run asks the same under the same
    # key: our return route (the processor sends the customer there first), and 3-D Secure.
    customer_return_url: Mapped[str | None] = mapped_column(Text)
    request_three_d_secure: Mapped[bool] = mapped_column(server_default=false())
    # What the processor settled for the capture and each refund, as reconciliation matched it
    # ([SettledItemOut as JSON], oldest first; None: nothing settled yet). Written only by
    # activities/reconciliation.py, with the settled_operations row it mirrors.
    settlement: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)

    # SQLAlchemy adds `AND version = <read>` to every UPDATE and raises StaleDataError on a miss.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(f"status IN ({REFUND_STATUSES})", name="status_known"),
        Index("ix_refunds_payment_id_created_at", "payment_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(limits.ID_MAX), primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(limits.REASON_MAX))
    failure_code: Mapped[str | None] = mapped_column(String(limits.CODE_MAX))
    failure_message: Mapped[str | None] = mapped_column(Text)
    gateway_reference: Mapped[str | None] = mapped_column(
        String(limits.GATEWAY_REFERENCE_MAX), index=True
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class PaymentAttempt(Base):
    """One row per gateway call, whatever its outcome."""

    __tablename__ = "payment_attempts"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('succeeded', 'declined', 'error', 'unknown', 'not_found')",
            name="outcome_known",
        ),
        Index("ix_payment_attempts_payment_id_id", "payment_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    payment_id: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(64))
    latency_ms: Mapped[int] = mapped_column(Integer)
    activity_attempt: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    # Which processor the call went to (None on rows from before routing).
    processor: Mapped[str | None] = mapped_column(String(32))


class GatewaySend(Base):
    """A gateway call about to go out, one row per idempotency key. A step run again after its
    workflow task was lost (a local activity starts over at attempt 1 on another worker) finds
    it and looks the key up before sending again: past a processor's duplicate window a second
    send is a second authorization."""

    __tablename__ = "gateway_sends"

    idempotency_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class ProcessorTokenOwner(Base):
    """Which account a processor token belongs to. All accounts share one merchant account at
    each processor, so a token another account's customer stored would pay for anyone who
    names it (Authorize.Net's profile ids are sequential): a token pays only for its owner."""

    __tablename__ = "processor_tokens"

    processor: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str] = mapped_column(String(limits.CARD_TOKEN_MAX), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class OutboxEvent(Base):
    """An event row, committed with the state change it describes; the relay publishes it."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        UniqueConstraint("payment_id", "sequence", name="uq_outbox_events_payment_id_sequence"),
        Index(
            "ix_outbox_events_unpublished",
            "id",
            postgresql_where=text("published_at IS NULL"),
        ),
        # Retention: published rows older than KAFKA_OUTBOX_RETENTION_DAYS are deleted.
        Index("ix_outbox_events_published_at", "published_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    payment_id: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Account(Base):
    """An order service, shop or brand: every key, payment, refund and idempotency key belongs
    to exactly one, and no caller sees or moves another account's objects."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    # Overrides of the API's rate limit for this account (None: the settings' defaults).
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    rate_limit_burst: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class ApiKey(Base):
    """An order service's credential. Only a hash of the key is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_account_id", "account_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(255))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    last_used_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)


class IdempotencyRecord(Base):
    """A write request by (account, Idempotency-Key): who holds it, and the answer once known.
    Per account, not per API key: a retry with the account's rotated key reaches the same
    payment."""

    __tablename__ = "idempotency_records"
    __table_args__ = (Index("ix_idempotency_records_expires_at", "expires_at"),)

    account_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(limits.IDEMPOTENCY_KEY_MAX), primary_key=True)
    # Part of every id derived from the key; a new one when an expired key is used again.
    # Empty for keys claimed before generations existed (their ids stay what they were).
    generation: Mapped[str] = mapped_column(String(32), server_default=text("''"))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    locked_until: Mapped[datetime] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(Timestamp)


class RateLimitWindow(Base):
    """Requests an account made in one fixed window, counted across every API process."""

    __tablename__ = "rate_limit_windows"
    __table_args__ = (Index("ix_rate_limit_windows_window_start", "window_start"),)

    account_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    window_seconds: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The window's start, in whole seconds since the epoch.
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class ProcessorEvent(Base):
    """A processor's webhook event already handled: the same event id again is dropped."""

    __tablename__ = "processor_events"
    __table_args__ = (Index("ix_processor_events_received_at", "received_at"),)

    processor: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(128))
    payment_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class WebhookEndpoint(Base):
    """Where an account wants its payments' events POSTed, signed with the endpoint's secret."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_account_id", "account_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    url: Mapped[str] = mapped_column(Text)
    # The signing secret, encrypted with CODEC_KEYS (payment_saga/events/webhooks/secrets.py).
    sealed_secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    disabled_at: Mapped[datetime | None] = mapped_column(Timestamp)


class WebhookDelivery(Base):
    """One event to one endpoint: pending until a 2xx, retried with backoff, failed at last."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status_known"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_id: Mapped[str] = mapped_column(String(64))
    payment_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(Timestamp)
