"""All configuration in one place.

Environment variables are the group name and the field name joined by one underscore:
``DATABASE_URL`` is ``database.url``, ``KAFKA_BOOTSTRAP_SERVERS`` is ``kafka.bootstrap_servers``,
``TEMPORAL_UI_PORT`` is ``temporal.ui_port``. docker-compose.yaml uses the same names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from payment_saga.domain import limits
from payment_saga.domain.money import MAX_AMOUNT
from payment_saga.domain.reconciliation import ESCALATE_AFTER_DAYS
from payment_saga.processors.authorizenet.settings import AuthorizeNetSettings
from payment_saga.processors.paypal.settings import PayPalSettings
from payment_saga.processors.settings import LOOPBACK
from payment_saga.processors.stripe.settings import StripeSettings


class ApiSettings(BaseModel):
    host: str = LOOPBACK
    port: int = 8000
    public_url: str | None = None
    rate_limit_per_minute: int = 100
    rate_limit_burst: int = 20
    rate_limit_burst_seconds: float = 10.0
    # Failed authentications allowed per client address and minute (then 429).
    auth_failures_per_minute: int = 30
    # The proxies (addresses or CIDR ranges, e.g. the ingress's pod network) whose
    # X-Forwarded-For names the client. Empty: the socket's peer is the client, and a forwarded
    # header is ignored (anyone could send one). Behind an ingress, set it: else every client
    # shares the ingress's address and one guesser locks them all out.
    trusted_proxies: list[str] = []
    # How long a key look-up is cached: a revoked or expired key works at most this long more.
    key_cache_seconds: float = 5.0
    # /docs, /redoc and /openapi.json; switch off where callers should not browse the API.
    docs_enabled: bool = True
    idempotency_ttl_seconds: int = 24 * 3600
    # How long a request holds its idempotency key before a retry may take it over.
    idempotency_lock_seconds: int = 60
    # How often expired idempotency rows are deleted, so the table stays bounded.
    idempotency_purge_seconds: float = 300.0
    # The longest any request waits for a workflow (`Prefer: wait=N` caps, and the default of
    # capture, cancel and refund); past it the answer is 202 with the object as it stands.
    max_wait_seconds: int = 30
    # On SIGTERM, requests in flight (at most max_wait_seconds each) get this long to finish.
    drain_seconds: float = Field(default=35.0, ge=0)
    max_body_bytes: int = 64 * 1024

    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"


class TemporalSettings(BaseModel):
    # None means "the launcher runs a dev server on loopback".
    address: str | None = None
    port: int = 7233
    ui_port: int = 8233
    ui_url: str | None = None
    namespace: str = "default"
    task_queue: str = "payments"
    # TLS to a Temporal cluster: on when `tls` is true or any of the files or the API key is
    # set. CA file unset: the system's roots. Certificate and key: mutual TLS (self-hosted,
    # Temporal Cloud with certificates). API key: Temporal Cloud's other way in.
    tls: bool = False
    tls_ca_file: Path | None = None
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_server_name: str | None = None
    api_key: SecretStr | None = None

    def target(self) -> str:
        return self.address or f"{LOOPBACK}:{self.port}"

    def tls_enabled(self) -> bool:
        files = (self.tls_ca_file, self.tls_cert_file, self.tls_key_file)
        return self.tls or self.api_key is not None or any(f is not None for f in files)

    def web_url(self) -> str:
        return self.ui_url or f"http://{LOOPBACK}:{self.ui_port}"


class DatabaseSettings(BaseModel):
    # None means "the launcher runs an embedded PostgreSQL on loopback".
    url: SecretStr | None = None
    port: int = 5432
    name: str = "payments"
    pool_size: int = 10

    def sqlalchemy_url(self) -> str:
        if self.url is not None:
            return normalize_postgres_url(self.url.get_secret_value())
        return f"postgresql+psycopg://postgres@{LOOPBACK}:{self.port}/{self.name}"

    def libpq_url(self) -> str:
        """The same database as libpq takes it (psycopg on its own, without SQLAlchemy)."""
        return "postgresql://" + self.sqlalchemy_url().removeprefix("postgresql+psycopg://")


class KafkaSettings(BaseModel):
    # None means "the launcher runs a KRaft broker on loopback".
    bootstrap_servers: str | None = None
    # PLAINTEXT for the local broker; a managed Kafka (Confluent Cloud, MSK, Aiven, ...) wants
    # SASL_SSL with a mechanism, a user and a password; SSL alone for TLS without SASL.
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    # The brokers' CA certificate (PEM); unset: the system's roots.
    ssl_ca_file: Path | None = None
    port: int = 9092
    controller_port: int = 9093
    version: str = "4.1.1"
    topic: str = "payments.events"
    # How events are written to the topic: JSON CloudEvents, or CloudEvents' protobuf format
    # (docs/events.md, "Encodings"). Readers of ours decode either, by the content type.
    topic_encoding: Literal["json", "protobuf"] = "json"
    partitions: int = 6
    # The relay publishes the outbox; by default it runs inside the worker.
    relay_in_worker: bool = True
    relay_batch_size: int = 500
    # Event commits wake the relay (LISTEN/NOTIFY); this bounds the wait when a wake-up is lost.
    relay_idle_poll_seconds: float = 1.0
    # Published events stay in the outbox this long, for `payment-saga events replay`; then the
    # API's housekeeping deletes them.
    outbox_retention_days: int = Field(default=30, gt=0)

    def bootstrap(self) -> str:
        return self.bootstrap_servers or f"{LOOPBACK}:{self.port}"


class RouteRule(BaseModel):
    """Payments in these currencies and card brands (empty: any) go to these processors, the
    next one taking over when the one before is unavailable (docs/processors.md, "Routing")."""

    currencies: list[str] = Field(default_factory=list)
    brands: list[str] = Field(default_factory=list)
    # Processors by their registry name (payment_saga/processors/registry.py).
    processors: list[str] = Field(min_length=1)

    def matches(self, currency: str, brand: str) -> bool:
        return (not self.currencies or currency in self.currencies) and (
            not self.brands or brand in self.brands
        )


class GatewaySettings(BaseModel):
    # Which processor, by its registry name (payment_saga/processors/registry.py, which refuses a
    # name it does not know at start); docs/processors.md sets each one up.
    kind: str = "simulator"
    # The first matching rule picks the processors, in order; none matching: `kind` alone.
    # e.g. GATEWAY_ROUTES='[{"currencies": ["USD"], "processors": ["authorizenet", "stripe"]}]'
    routes: list[RouteRule] = Field(default_factory=list)
    # Take PayPal payments (`payment_method: {"type": "paypal"}`) through the `paypal` processor
    # (PAYPAL_*), beside the card processors; GATEWAY_KIND=paypal takes them too.
    paypal: bool = False
    # Failed authorize attempts on one processor before the next one in the route is tried.
    failover_after_failures: int = Field(default=3, gt=0)
    # Every call to a processor gives up after this long (then its outcome is looked up).
    timeout_seconds: float = 10.0
    # The simulator's address.
    url: str | None = None
    host: str = LOOPBACK
    port: int = 8090
    # Simulator knobs (ignored by real gateways).
    latency_ms: int = 0
    failure_rate: float = 0.0
    authorization_ttl_seconds: int = 7 * 24 * 3600
    # Where the simulator keeps its books across restarts (the local stack: .data/); None:
    # in memory only.
    books_path: str | None = None
    # The simulator's settlement (devtools/testservers/simulator/settlement.py): its fee per
    # capture (basis points of the amount plus fixed minor units) and the daily cut-off hour
    # (UTC) at which its batch closes.
    settlement_fee_basis_points: int = Field(default=290, ge=0, le=10_000)
    settlement_fee_fixed: int = Field(default=30, ge=0)
    settlement_cutoff_hour: int = Field(default=0, ge=0, le=23)

    def base_url(self) -> str:
        return self.url or f"http://{self.host}:{self.port}"


class ReconciliationSettings(BaseModel):
    # A Temporal Schedule per processor that reports its settlement reconciles the report
    # dated the day it fires, at this time (UTC): after the processor's cut-off (#32;
    # docs/operations.md, "Settlement reconciliation").
    schedule: bool = True
    hour: int = Field(default=2, ge=0, le=23)
    minute: int = Field(default=0, ge=0, le=59)
    # A discrepancy still open this many days after its settlement day escalates (an event,
    # the escalated gauge, a paging alert).
    escalate_after_days: int = Field(default=ESCALATE_AFTER_DAYS, ge=1)


class WebhookSettings(BaseModel):
    """Signed webhooks to the accounts' endpoints (docs/events.md, "Webhooks")."""

    # The dispatcher runs inside each worker (they share the work through row locks).
    in_worker: bool = True
    timeout_seconds: float = 10.0
    # Backoff between attempts: doubling from the first, capped; given up after three days.
    retry_initial_seconds: float = Field(default=10.0, gt=0)
    retry_max_seconds: float = Field(default=3600.0, gt=0)
    give_up_after_seconds: int = Field(default=3 * 24 * 3600, gt=0)
    batch_size: int = Field(default=50, gt=0)
    poll_seconds: float = Field(default=1.0, gt=0)
    # A delivery in flight is someone's for this long (a crashed worker's is taken again).
    lease_seconds: float = Field(default=60.0, gt=0)


class WorkerSettings(BaseModel):
    metrics_host: str = LOOPBACK
    metrics_port: int = 9464
    # The Temporal SDK's own metrics (workflow and activity task latencies, polls, ...).
    sdk_metrics_port: int = 9465
    # On SIGTERM, activities in flight get this long to finish before they are cancelled (and
    # retried elsewhere); a pod's terminationGracePeriodSeconds must be longer.
    drain_seconds: float = Field(default=30.0, ge=0)
    # Worker Versioning (docs/deployment.md, "Upgrades"): each build of the worker is a version
    # of one Temporal Worker Deployment, and a payment's run stays on the version it began on.
    versioning: bool = False
    deployment_name: str = Field(default="payment-saga", min_length=1)
    # The image's build (its git commit); a versioned worker refuses to start without it.
    build_id: str = ""
    # Temporal's poller autoscaling for workflow and activity tasks (the server says when more
    # polls would find work); off: the SDK's fixed five polls of each. On: 8 % less latency one
    # payment at a time, 6 % more throughput (docs/performance.md, #31).
    poller_autoscaling: bool = True


class PaymentSettings(BaseModel):
    # How long authorizing may keep retrying a failing gateway before the payment fails.
    authorize_deadline_seconds: int = 600
    authorization_expiry_seconds: int = 7 * 24 * 3600
    refund_window_seconds: int = 180 * 24 * 3600
    # How long a payment waits for the customer (a 3-D Secure challenge, an approval page)
    # before it fails `action_expired` (docs/api.md, "Customer actions"). 15 minutes: longer
    # than an issuer's challenge stays open, short enough that a customer who left is let go.
    action_timeout_seconds: int = Field(default=900, gt=0)
    # A settled payment's workflow run closes after this long without work; a later capture,
    # refund or cancel starts a new run from the payment's row (docs/saga.md, "Lifetime").
    idle_close_seconds: int = Field(default=60, gt=0)
    # The largest payment, in minor units; `max_amount_by_currency` overrides it per currency,
    # e.g. PAYMENTS_MAX_AMOUNT_BY_CURRENCY='{"JPY": 9999999}'.
    max_amount: int = Field(default=limits.DEFAULT_MAX_AMOUNT, gt=0, le=MAX_AMOUNT)
    max_amount_by_currency: dict[str, Annotated[int, Field(gt=0, le=MAX_AMOUNT)]] = Field(
        default_factory=dict
    )

    def max_amount_for(self, currency: str) -> int:
        return self.max_amount_by_currency.get(currency, self.max_amount)


class CodecSettings(BaseModel):
    # `id1:base64key,id2:base64key`: the first (or `active_key_id`) encrypts, all decrypt.
    keys: SecretStr | None = None
    active_key_id: str | None = None
    # Operators present it to the codec server (the Temporal UI sends it in the endpoint path).
    operator_token: SecretStr | None = None
    # Whether unencrypted payloads are read. Unset: only in development. Set it to true while
    # migrating histories written before encryption was on, then back.
    accept_plaintext: bool | None = None

    def plaintext_accepted(self, environment: str) -> bool:
        if self.accept_plaintext is not None:
            return self.accept_plaintext
        return environment == "development"


class CardSettings(BaseModel):
    # `id1:base64key,id2:base64key` (32+ bytes each): HMAC keys of card fingerprints; the first
    # (or `active_fingerprint_key_id`) fingerprints new cards. Unset: development's fixed key.
    fingerprint_keys: SecretStr | None = None
    active_fingerprint_key_id: str | None = None


class TracingSettings(BaseModel):
    # OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces; unset: tracing off.
    otlp_endpoint: str | None = None
    # Trace with whatever provider the process installed (tests use an in-memory one).
    force: bool = False

    def enabled(self) -> bool:
        return self.force or self.otlp_endpoint is not None


class StackSettings(BaseModel):
    data_dir: Path = Path(".data")
    cache_dir: Path = Path.home() / ".cache" / "payment-saga"
    start_timeout_seconds: float = 240.0
    # The dev server's `system.forceSearchAttributesCacheRefreshOnRead` (the CLI turns it on,
    # "not for production" in the server's source): every search attribute written is checked
    # against the database. Off, as a production server runs; on only to measure it (#31).
    temporal_refresh_search_attributes: bool = False


def normalize_postgres_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs; use the psycopg 3 driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_file=".env",
        extra="ignore",
    )

    environment: str = "development"
    log_level: str = "INFO"
    api: ApiSettings = Field(default_factory=ApiSettings)
    temporal: TemporalSettings = Field(default_factory=TemporalSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    stripe: StripeSettings = Field(default_factory=StripeSettings)
    authorizenet: AuthorizeNetSettings = Field(default_factory=AuthorizeNetSettings)
    paypal: PayPalSettings = Field(default_factory=PayPalSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    payments: PaymentSettings = Field(default_factory=PaymentSettings)
    reconciliation: ReconciliationSettings = Field(default_factory=ReconciliationSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    codec: CodecSettings = Field(default_factory=CodecSettings)
    cards: CardSettings = Field(default_factory=CardSettings)
    tracing: TracingSettings = Field(default_factory=TracingSettings)
    stack: StackSettings = Field(default_factory=StackSettings)


def as_environment(settings: Settings) -> dict[str, str]:
    """The settings as the environment variables that would produce them (for child processes)."""
    env: dict[str, str] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        pairs = value.model_dump().items() if isinstance(value, BaseModel) else [("", value)]
        for field, inner in pairs:
            if inner is None:
                continue
            if isinstance(inner, SecretStr):
                inner = inner.get_secret_value()
            if isinstance(inner, dict | list):
                inner = json.dumps(inner)  # what pydantic-settings parses back
            env[f"{name}_{field}".upper().rstrip("_")] = str(inner)
    return env


def environment_variable_names() -> set[str]:
    """Every variable the settings read: GROUP_FIELD for grouped ones, FIELD for the rest."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, BaseModel):
            names.update(f"{name}_{inner}".upper() for inner in group.model_fields)
        else:
            names.add(name.upper())
    return names
