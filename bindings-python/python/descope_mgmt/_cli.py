"""The `descope-mgmt` command (rotate an access key in CI, upload tenant OAuth tokens from a
file, create templates): runs the binary that the wheel bundles
(``descope_mgmt/bin/descope-mgmt``), so ``pip install descope-mgmt`` puts it on PATH without
Rust. Its options are the command's own: ``descope-mgmt --help``.
"""

from __future__ import annotations

from pathlib import Path

from descope_mgmt._bundled import binary_path as _binary_path
from descope_mgmt._bundled import exec_bundled

__all__ = ["binary_path", "main"]

NAME = "descope-mgmt"
BUILD_HINT = (
    "Install a released wheel (pip install descope-mgmt), or build the command with "
    "`cargo install --path cli` from a checkout of the repository."
)


def binary_path() -> Path:
    """Path of the bundled `descope-mgmt` executable (it may be missing in a source build)."""
    return _binary_path(NAME)


def main() -> None:
    """Replaces this process with the bundled command, passing the arguments through."""
    exec_bundled(NAME, BUILD_HINT)


if __name__ == "__main__":
    main()
