"""Runs an executable that the released wheels bundle in ``descope_mgmt/bin/`` (scripts/dist.sh
copies them there): the `descope-emulator` and `descope-mgmt` console scripts are thin
launchers that replace their own process with the binary, passing the arguments through.

A wheel or sdist built from source carries no binaries: the launcher then says how to get one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

__all__ = ["binary_path", "exec_bundled"]


def binary_path(name: str) -> Path:
    """Path of the bundled executable ``name`` (it may be missing in a source build)."""
    if sys.platform == "win32":
        name += ".exe"
    return Path(__file__).resolve().parent / "bin" / name


def exec_bundled(name: str, build_hint: str) -> NoReturn:
    """Replaces this process with the bundled ``name``, passing ``sys.argv[1:]`` through; when
    it is not bundled, prints what this installation lacks and ``build_hint``, and exits 1."""
    binary = binary_path(name)
    if not binary.is_file():
        sys.stderr.write(
            f"{name}: this installation of descope_mgmt has no bundled {name} binary "
            f"(only the released wheels carry it; {binary} does not exist). {build_hint}\n"
        )
        raise SystemExit(1)
    args = [str(binary), *sys.argv[1:]]
    if sys.platform == "win32":
        raise SystemExit(subprocess.call(args))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(args[0], args)
