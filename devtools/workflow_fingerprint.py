"""The fingerprint of the workflow code the recorded histories stand for (tests/unit/histories/):
the syntax of workflows/*.py, docstrings, comments and layout left out. A change to it is a
change to what a run may do; tests/unit/test_workflow_lint.py asks that it come with new
recorded histories, or with the fingerprint renewed on purpose (`make workflow-fingerprint`)."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / "workflows"
RECORDED = ROOT / "tests" / "unit" / "histories" / "workflows.fingerprint"


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return tree


def fingerprint(folder: Path = WORKFLOWS) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        tree = _without_docstrings(ast.parse(path.read_text()))
        digest.update(f"{path.name}\n{ast.dump(tree, include_attributes=False)}\n".encode())
    return digest.hexdigest()


def main() -> None:
    RECORDED.write_text(fingerprint() + "\n")
    print(f"{RECORDED.relative_to(ROOT)}: {RECORDED.read_text().strip()}")


if __name__ == "__main__":
    main()
