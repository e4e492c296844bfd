"""The `descope-emulator` command: runs the local Descope Management API emulator that the
wheel bundles (``descope_mgmt/bin/descope-emulator``), so tests can use it without Rust.

Its options are the emulator's own (``descope-emulator --help``); with ``--port 0`` it picks a
free port and prints one JSON line (url, projectId, managementKey, accessKeys) on stdout.
:mod:`descope_mgmt.testing` starts it for you (a context manager and a pytest fixture).
"""

from __future__ import annotations

from pathlib import Path

from descope_mgmt._bundled import binary_path as _binary_path
from descope_mgmt._bundled import exec_bundled

__all__ = ["binary_path", "main"]

NAME = "descope-emulator"
BUILD_HINT = (
    "Install one with `cargo install --path emulator` from a checkout of the repository, "
    "or point DESCOPE_EMULATOR_BIN at an emulator binary for descope_mgmt.testing."
)


def binary_path() -> Path:
    """Path of the bundled emulator executable (it may be missing in a source build)."""
    return _binary_path(NAME)


def main() -> None:
    """Replaces this process with the bundled emulator, passing the arguments through."""
    exec_bundled(NAME, BUILD_HINT)


if __name__ == "__main__":
    main()
