"""Fails when the modules of one of the project's crates import each other in a cycle.

For every crate (core/, emulator/, bindings-python/, bindings-node/, bindings-c/), each
file under src/ is a module (`a/b.rs` and `a/b/mod.rs` are `a::b`); a module depends on
another when it names `crate::<path>` (in a `use` or inline). A child module depends on
its parent only through such paths, never by being declared. The graph must be acyclic,
so that every module can be read knowing only the ones below it.

Usage: python3 scripts/check-module-cycles.py [CRATE_DIR ...]   (stdlib only)
"""

from __future__ import annotations

import re
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATES = ["core", "emulator", "bindings-python", "bindings-node", "bindings-c"]
# `crate::a::b::Item`, `crate::a::{b, c}`, `crate::{a, b::c}`
PATH = re.compile(r"\bcrate::((?:\{[^;]*?\})|(?:[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*))")
COMMENT = re.compile(r"//[^\n]*")


def modules(src: Path) -> dict[tuple[str, ...], Path]:
    out = {}
    for f in src.rglob("*.rs"):
        parts = f.relative_to(src).with_suffix("").parts
        if parts in (("lib",), ("main",)):
            parts = ()
        elif parts[-1] == "mod":
            parts = parts[:-1]
        out[parts] = f
    return out


def targets(expr: str) -> list[tuple[str, ...]]:
    """The module paths a `crate::...` expression names (longest known prefix later)."""
    if expr.startswith("{"):
        inner = expr[1:-1]
        return [tuple(p.strip().split("::")) for p in split_top(inner) if p.strip()]
    return [tuple(expr.split("::"))]


def split_top(s: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [re.sub(r"::\{.*", "", p, flags=re.S) for p in parts]


def graph(crate: Path) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
    mods = modules(crate / "src")
    deps: dict[tuple[str, ...], set[tuple[str, ...]]] = {m: set() for m in mods}
    for m, f in mods.items():
        text = COMMENT.sub("", f.read_text())
        for match in PATH.finditer(text):
            for path in targets(match.group(1)):
                # the longest prefix of the path that is a module of this crate
                for n in range(len(path), 0, -1):
                    if path[:n] in mods:
                        target = path[:n]
                        break
                else:
                    continue
                # a module naming its own descendants (declared children) is not a cycle
                if target != m and target[: len(m)] != m:
                    deps[m].add(target)
    return deps


def main(argv: list[str]) -> int:
    crates = [ROOT / c for c in (argv or CRATES)]
    failed = False
    for crate in crates:
        deps = graph(crate)
        name = lambda m: "::".join(m) or "(root)"  # noqa: E731 - local formatter
        try:
            order = list(TopologicalSorter(deps).static_order())
        except CycleError as e:
            cycle = " -> ".join(name(m) for m in e.args[1])
            print(f"{crate.name}: module cycle: {cycle}")
            failed = True
            continue
        print(f"{crate.name}: {len(order)} modules, no cycle")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
