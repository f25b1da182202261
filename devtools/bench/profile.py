"""CPU profiles of the API and the worker while the saga runs: py-spy flame graphs (SVG),
written beside the figures, so the next person sees where the time goes."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def py_spy() -> str | None:
    """py-spy beside this interpreter (a dev dependency), or on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextmanager
def flame_graphs(pids: dict[str, int], directory: Path | None) -> Iterator[dict[str, str]]:
    """Sample each process (and its children) while the block runs; name -> SVG path. Nothing
    (an empty dict) when no directory is given or py-spy cannot attach."""
    tool = py_spy()
    if directory is None or tool is None:
        yield {}
        return
    directory.mkdir(parents=True, exist_ok=True)
    recorders: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
    for name, pid in pids.items():
        svg = directory / f"{name}.svg"
        command = [tool, "record", "--pid", str(pid), "--subprocesses", "--rate", "50",
                   "--format", "flamegraph", "--output", str(svg), "--nonblocking"]  # fmt: skip
        recorders[name] = (subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL), svg)  # fmt: skip
    written: dict[str, str] = {}
    try:
        yield written
    finally:
        for name, (recorder, svg) in recorders.items():
            recorder.send_signal(signal.SIGINT)  # py-spy writes its graph on Ctrl-C
            try:
                recorder.wait(timeout=60)
            except subprocess.TimeoutExpired:
                recorder.kill()
            if svg.exists():
                written[name] = str(svg)
