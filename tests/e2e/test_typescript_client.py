"""The TypeScript client (sdk/typescript) against the running stack, by Node's own test
runner: create, decline, refund."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from devtools.stack.stack import Stack
from devtools.testservers.simulator.books import APPROVED_CARDS, DECLINES

CLIENT = Path(__file__).parents[2] / "sdk" / "typescript"


def card_declining_with(decline_code: str) -> str:
    return next(number for number, (_, code, _) in DECLINES.items() if code == decline_code)


def test_node_tests_pass_against_the_stack(stack: Stack) -> None:
    assert (CLIENT / "node_modules").exists(), "installed by `make tools` (part of `make test`)"
    node = shutil.which("node")
    assert node is not None
    env = {
        **os.environ,
        "API_URL": stack.settings.api.base_url(),
        "API_KEY": stack.dev_api_key or "",
        # Test cards stay in the simulator: the Node tests get them from its catalogue.
        "APPROVED_CARD": APPROVED_CARDS[0],
        "DECLINED_CARD": card_declining_with("generic_decline"),
    }
    done = subprocess.run(
        [node, "--test", "test/"], cwd=CLIENT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "# pass 3" in done.stdout
