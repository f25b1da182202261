"""The committed Python client is what the generator makes of the committed contract."""

from __future__ import annotations

import filecmp
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[2]
GENERATOR = ROOT / ".tools" / "openapi" / "bin" / "openapi-python-client"
TYPESCRIPT = ROOT / "sdk" / "typescript"


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
        ["bash", str(ROOT / "devtools" / "scripts" / "generate-client.sh"), str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    committed = ROOT / "sdk" / "python" / "payment_saga_client"
    stale = differences(committed, tmp_path / "payment_saga_client")
    assert stale == [], f"stale client, run `make client`: {stale}"


def test_committed_typescript_types_are_current(tmp_path: Path) -> None:
    generator = TYPESCRIPT / "node_modules" / ".bin" / "openapi-typescript"
    assert generator.exists(), "installed by `make tools` (part of `make test`)"
    out = tmp_path / "schema.d.ts"
    subprocess.run(
        [str(generator), "../../docs/openapi.json", "--default-non-nullable", "false",
         "--output", str(out)],
        cwd=TYPESCRIPT, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    committed = (TYPESCRIPT / "src" / "schema.d.ts").read_text()
    assert out.read_text() == committed, "stale sdk/typescript/src/schema.d.ts: `make client`"


def test_typescript_client_type_checks() -> None:
    done = subprocess.run(
        [str(TYPESCRIPT / "node_modules" / ".bin" / "tsc"), "--noEmit"],
        cwd=TYPESCRIPT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
