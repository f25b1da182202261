"""Builders for the long-lived clients. Called from the API's lifespan and the worker's main()."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import httpx
import temporalio.converter
from aiokafka.helpers import create_ssl_context
from temporalio.client import Client, TLSConfig
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from payment_saga.codec.encryption import EncryptionCodec, parse_keys
from payment_saga.config import GatewaySettings, KafkaSettings, Settings, TemporalSettings
from payment_saga.domain.fingerprints import CardFingerprints, parse_fingerprint_keys
from payment_saga.observability.tracing import temporal_interceptors

log = logging.getLogger("payment_saga.clients")


class MissingSecretError(RuntimeError):
    pass


def payload_codec(settings: Settings) -> EncryptionCodec | None:
    """The encryption codec; only development may run without one."""
    if settings.codec.keys is None:
        if settings.environment != "development":
            raise MissingSecretError("CODEC_KEYS must be set outside development")
        log.warning("CODEC_KEYS is not set: Temporal payloads are stored unencrypted")
        return None
    keys = parse_keys(settings.codec.keys.get_secret_value())
    accept_plaintext = settings.codec.plaintext_accepted(settings.environment)
    return EncryptionCodec(keys, settings.codec.active_key_id, accept_plaintext=accept_plaintext)


# Development only: a fixed, public key, so fingerprints stay stable across restarts.
DEVELOPMENT_FINGERPRINT_KEYS = "dev:ZGV2ZWxvcG1lbnQtb25seS1ub3QtYS1zZWNyZXQta2V5LTAx"


def card_fingerprints(settings: Settings) -> CardFingerprints:
    """Keyed card fingerprints; outside development the keys must be set."""
    spec = settings.cards.fingerprint_keys
    if spec is None:
        if settings.environment != "development":
            raise MissingSecretError("CARDS_FINGERPRINT_KEYS must be set outside development")
        keys = parse_fingerprint_keys(DEVELOPMENT_FINGERPRINT_KEYS)
    else:
        keys = parse_fingerprint_keys(spec.get_secret_value())
    return CardFingerprints(keys, settings.cards.active_fingerprint_key_id)


async def connect_temporal(settings: Settings, runtime: Runtime | None = None) -> Client:
    converter = dataclasses.replace(
        temporalio.converter.DataConverter.default, payload_codec=payload_codec(settings)
    )
    temporal = settings.temporal
    return await Client.connect(
        temporal.target(),
        namespace=temporal.namespace,
        data_converter=converter,
        runtime=runtime,
        interceptors=temporal_interceptors(settings),
        tls=temporal_tls(temporal),
        api_key=temporal.api_key.get_secret_value() if temporal.api_key else None,
    )


def temporal_tls(settings: TemporalSettings) -> TLSConfig | bool:
    """TLS to the cluster (server CA, client certificate and key for mTLS, the name to check);
    False when not configured (the local dev server)."""
    if not settings.tls_enabled():
        return False
    if (settings.tls_cert_file is None) != (settings.tls_key_file is None):
        raise ValueError("TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE go together")

    def read(path: Path | None) -> bytes | None:
        return path.read_bytes() if path is not None else None

    return TLSConfig(
        server_root_ca_cert=read(settings.tls_ca_file),
        domain=settings.tls_server_name,
        client_cert=read(settings.tls_cert_file),
        client_private_key=read(settings.tls_key_file),
    )


def temporal_runtime(metrics_address: str | None = None) -> Runtime:
    """The SDK core's runtime: its logs go through Python logging (so they are JSON and
    redacted like ours), and its metrics are served for Prometheus when an address is given."""
    logging_config = LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="WARN"),
        forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
    )
    metrics = PrometheusConfig(bind_address=metrics_address) if metrics_address else None
    return Runtime(telemetry=TelemetryConfig(logging=logging_config, metrics=metrics))


def gateway_http_client(settings: GatewaySettings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=settings.base_url(),
        timeout=httpx.Timeout(settings.timeout_seconds, connect=2.0),
        limits=httpx.Limits(max_connections=100),
    )


def kafka_options(kafka: KafkaSettings) -> dict[str, Any]:
    """How every Kafka client of ours connects (relay, replay, tail, audit, health): the
    brokers, and TLS and SASL when the settings ask for them."""
    options: dict[str, Any] = {
        "bootstrap_servers": kafka.bootstrap(),
        "security_protocol": kafka.security_protocol,
    }
    if kafka.security_protocol in ("SSL", "SASL_SSL"):
        cafile = str(kafka.ssl_ca_file) if kafka.ssl_ca_file else None
        options["ssl_context"] = create_ssl_context(cafile=cafile)
    if kafka.security_protocol.startswith("SASL"):
        password = kafka.sasl_password.get_secret_value() if kafka.sasl_password else None
        options["sasl_mechanism"] = kafka.sasl_mechanism
        options["sasl_plain_username"] = kafka.sasl_username
        options["sasl_plain_password"] = password
    return options


def codec_keys(settings: Settings) -> dict[str, bytes] | None:
    """The codec's keys (payloads, webhook secrets), None when not configured."""
    keys = settings.codec.keys
    return parse_keys(keys.get_secret_value()) if keys is not None else None
