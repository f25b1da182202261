"""The distribution installs the product card's packages and one package for everything else,
so installing it adds no generic top-level names, and console scripts work outside the repo."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
# The product card's packages, the one package for everything else, the developer tools.
TOP_LEVEL = {"api", "workflows", "activities", "payment_saga", "devtools"}


def test_every_package_is_included_and_no_other() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = set(project["tool"]["setuptools"]["packages"]["find"]["include"])
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "migrations"}
    assert packages == TOP_LEVEL, f"a new top-level package: {packages - TOP_LEVEL}"
    assert {name for name in include if "." not in name} == TOP_LEVEL


def test_the_only_module_at_the_root_is_the_worker() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert {p.stem for p in ROOT.glob("*.py")} == {"worker"}
    assert project["tool"]["setuptools"]["py-modules"] == ["worker"]


def test_console_scripts_import_outside_the_repo(tmp_path: Path) -> None:
    """A console script runs with sys.path without the checkout."""
    code = "import payment_saga.connections, payment_saga.ops.cli.main, worker, api.main"
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
