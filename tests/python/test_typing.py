"""The hand-written stubs match the runtime (mypy.stubtest), and the examples type-check
under `mypy --strict`. scripts/test-python.sh runs both itself and sets
DESCOPE_TYPECHECKED=1 so they are not run twice."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REPO

pytestmark = pytest.mark.skipif(
    os.environ.get("DESCOPE_TYPECHECKED") == "1", reason="already run by scripts/test-python.sh"
)


def _mypy_available() -> bool:
    try:
        import mypy  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _mypy_available(), reason="mypy is not installed")
def test_stubs_match_runtime() -> None:
    (REPO / ".tmp").mkdir(exist_ok=True)
    r = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "descope_mgmt"],
        capture_output=True,
        text=True,
        cwd=REPO / ".tmp",
    )
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(not _mypy_available(), reason="mypy is not installed")
def test_examples_pass_mypy_strict() -> None:
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(REPO / ".tmp" / "mypy-cache"),
            str(REPO / "examples" / "python"),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
