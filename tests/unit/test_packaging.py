"""Every top-level package is in the distribution, so console scripts work outside the repo."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_every_package_is_included() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = set(project["tool"]["setuptools"]["packages"]["find"]["include"])
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "examples"}
    assert packages <= include, f"add to [tool.setuptools.packages.find]: {packages - include}"


def test_every_module_at_the_root_is_included() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    modules = {p.stem for p in ROOT.glob("*.py")}
    assert modules <= set(project["tool"]["setuptools"]["py-modules"])


def test_console_scripts_import_the_root_modules_outside_the_repo(tmp_path: Path) -> None:
    """`clients` is clients.py, not the generated clients' folder: a console script (sys.path
    without the checkout) once failed with "cannot import name ... from 'clients'"."""
    code = "import clients, cli.main; print(clients.__file__)"
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("clients.py")
