"""The committed Python client is what the generator makes of the committed contract."""

from __future__ import annotations

import filecmp
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[2]
GENERATOR = ROOT / ".tools" / "openapi" / "bin" / "openapi-python-client"


def differences(left: Path, right: Path) -> list[str]:
    compared = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found = [str(Path(left.name) / name) for name in compared.left_only + compared.right_only]
    found += [str(Path(left.name) / name) for name in compared.diff_files]
    for name in compared.common_dirs:
        found += differences(left / name, right / name)
    return found


def test_committed_client_is_current(tmp_path: Path) -> None:
    assert GENERATOR.exists(), "the generator is installed by `make tools` (part of `make test`)"
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "generate-client.sh"), str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    committed = ROOT / "clients" / "python" / "payment_saga_client"
    stale = differences(committed, tmp_path / "payment_saga_client")
    assert stale == [], f"stale client, run `make client`: {stale}"
