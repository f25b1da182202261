"""Every top-level package is in the distribution, so console scripts work outside the repo."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_every_package_is_included() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "examples"}
    assert packages <= include, f"add to [tool.setuptools.packages.find]: {packages - include}"


def test_every_module_at_the_root_is_included() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    modules = {p.stem for p in ROOT.glob("*.py")}
    assert modules <= set(project["tool"]["setuptools"]["py-modules"])
