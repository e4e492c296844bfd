"""The `descope-emulator` command: runs the local Descope Management API emulator that the
wheel bundles (``descope_mgmt/bin/descope-emulator``), so tests can use it without Rust.

Its options are the emulator's own (``descope-emulator --help``); with ``--port 0`` it picks a
free port and prints one JSON line (url, projectId, managementKey, accessKeys) on stdout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["binary_path", "main"]


def binary_path() -> Path:
    """Path of the bundled emulator executable (it may be missing in a source build)."""
    name = "descope-emulator.exe" if sys.platform == "win32" else "descope-emulator"
    return Path(__file__).resolve().parent / "bin" / name


def main() -> None:
    """Replaces this process with the bundled emulator, passing the arguments through."""
    binary = binary_path()
    if not binary.is_file():
        sys.stderr.write(
            "descope-emulator: this installation of descope_mgmt has no bundled emulator "
            "(only the released wheels carry it). Install one with `cargo install --path emulator` "
            "from a checkout of the repository.\n"
        )
        raise SystemExit(1)
    args = [str(binary), *sys.argv[1:]]
    if sys.platform == "win32":
        raise SystemExit(subprocess.call(args))
    os.execv(args[0], args)


if __name__ == "__main__":
    main()
