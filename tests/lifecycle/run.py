"""Runs the lifecycle scenarios (a process that exits, forks, is interrupted or unloads
the library while calls are in flight) against one build of each binding, and checks
that every run ends with the scenario's own exit status and that nothing crashed.

It is run twice by `make test`: against the dev builds (scripts/test-python.sh,
test-node.sh, test-c.sh) and against the installed release artifacts
(scripts/test-dist.sh), because how an artifact is linked changes what happens at exit.

Usage (stdlib only; any Python 3.9+ runs it):
  python3 tests/lifecycle/run.py --emulator BIN [--runs N]
      [--python PY]                       interpreter that imports descope_mgmt
      [--node-package DIR]                the descope-mgmt package directory
      [--c-include DIR --c-libs "FLAGS" --c-lib PATH]
                                          header dir, link flags, and the shared
                                          library that the dlclose scenario dlopens
Each language runs only when its options are given.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROTATE = "/v1/mgmt/accesskey/rotate"
BATCH = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"
# Slow answers ("slow" scenarios), so that calls are certainly in flight when the process
# ends; "fast" scenarios get the emulator's own speed, so that threads come back from
# their calls while the process is ending.
FAULTS = [
    {"method": "POST", "path": ROTATE, "action": "delay", "delayMs": 400, "times": 1_000_000},
    {"method": "POST", "path": BATCH, "action": "delay", "delayMs": 1500, "times": 1_000_000},
]
# What a crash looks like in the output, besides a signal exit status.
CRASH_MARKS = ("Segmentation fault", "Fatal Python error", "panicked", "core dumped", "Aborted", "SIGSEGV")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Emulator:
    """The emulator on a free loopback port."""

    def __init__(self, binary: str) -> None:
        self.proc = subprocess.Popen([binary, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.proc.stdout is not None
        info = json.loads(self.proc.stdout.readline())
        self.url: str = info["url"]
        self.env = {
            "DESCOPE_BASE_URI": info["url"],
            "DESCOPE_PROJECT_ID": info["projectId"],
            "DESCOPE_MANAGEMENT_KEY": info["managementKey"],
        }

    def post(self, path: str, body: object) -> None:
        req = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
        )
        with _NO_PROXY.open(req, timeout=30) as resp:
            resp.read()

    def prepare(self, speed: str) -> None:
        self.post("/emulator/reset", {})
        if speed == "slow":
            self.post("/emulator/faults", FAULTS)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def describe(rc: int) -> str:
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit {rc}"


Scenario = tuple[str, list[str], int, str]  # label, command, expected status, speed


def run_scenario(emu: Emulator, scenario: Scenario, runs: int, env: dict[str, str]) -> bool:
    label, cmd, expected, speed = scenario
    ok = True
    statuses = []
    for _ in range(runs):
        emu.prepare(speed)
        started = time.monotonic()
        try:
            proc = subprocess.run(cmd, env={**env, **emu.env}, capture_output=True, text=True, timeout=60)
            rc, out = proc.returncode, proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as e:
            rc, out = -9, f"hung for 60 s: {e}"
        statuses.append(rc)
        crashed = [m for m in CRASH_MARKS if m in out]
        if rc != expected or crashed:
            ok = False
            print(f"FAIL {label}: {describe(rc)} (expected {describe(expected)}) after {time.monotonic() - started:.1f} s")
            if out.strip():
                print("  " + out.strip().replace("\n", "\n  ")[-3000:])
    if ok:
        print(f"ok   {label}: {runs} x {describe(expected)}")
    return ok


def listed(lang: str, cmd: list[str], env: dict[str, str]) -> list[Scenario]:
    """The scenarios a scenario script prints for --list (name, status, speed)."""
    out = subprocess.run([*cmd, "--list"], capture_output=True, text=True, check=True, env=env).stdout
    rows = (line.split() for line in out.splitlines() if line.strip())
    return [(f"{lang} {name}", [*cmd, name], int(rc), speed) for name, rc, speed in rows]


def python_scenarios(python: str, env: dict[str, str]) -> list[Scenario]:
    return listed("python", [python, str(HERE / "python_scenarios.py")], env)


def node_scenarios(package: Path, work: Path, env: dict[str, str]) -> tuple[list[Scenario], dict[str, str]]:
    """`descope-mgmt` resolves to `package` through NODE_PATH (a symlink in a scratch dir)."""
    modules = work / "node_modules"
    modules.mkdir(parents=True)
    (modules / "descope-mgmt").symlink_to(package.resolve(), target_is_directory=True)
    env = {**env, "NODE_PATH": str(modules)}
    return listed("node", ["node", str(HERE / "node_scenarios.cjs")], env), env


def c_scenarios(include: str, libs: str, lib: str, work: Path) -> list[Scenario]:
    exe = work / "lifecycle"
    cc = os.environ.get("CC", "cc")
    cmd = [cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-O1", "-pthread", f"-I{include}",
           str(HERE / "lifecycle.c"), "-o", str(exe), *shlex.split(libs), "-ldl"]
    subprocess.run(cmd, check=True)
    return [
        ("c exit-in-flight", [str(exe), "exit-in-flight"], 6, "fast"),
        ("c return-in-flight", [str(exe), "return-in-flight"], 0, "fast"),
        ("c cancel-in-flight", [str(exe), "cancel-in-flight"], 0, "slow"),
        ("c dlclose", [str(exe), "dlclose", lib], 0, "fast"),
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--runs", type=int, default=int(os.environ.get("LIFECYCLE_RUNS", "3")))
    ap.add_argument("--python")
    ap.add_argument("--node-package", type=Path)
    ap.add_argument("--c-include")
    ap.add_argument("--c-libs")
    ap.add_argument("--c-lib")
    args = ap.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith("DESCOPE_")}
    env.pop("PYTHONPATH", None)
    scenarios: list[tuple[Scenario, dict[str, str]]] = []
    with tempfile.TemporaryDirectory(prefix="lifecycle-") as tmp:
        work = Path(tmp)
        if args.python:
            scenarios += [(s, env) for s in python_scenarios(args.python, env)]
        if args.node_package:
            found, node_env = node_scenarios(args.node_package, work / "node", env)
            scenarios += [(s, node_env) for s in found]
        if args.c_include:
            (work / "c").mkdir()
            ld = {**env, "LD_LIBRARY_PATH": str(Path(args.c_lib).parent)} if args.c_lib else env
            scenarios += [(s, ld) for s in c_scenarios(args.c_include, args.c_libs or "", args.c_lib or "", work / "c")]
        if not scenarios:
            ap.error("no language selected")
        emu = Emulator(args.emulator)
        try:
            failed = [s[0] for s, e in scenarios if not run_scenario(emu, s, args.runs, e)]
        finally:
            emu.stop()
    print(f"lifecycle: {len(scenarios) - len(failed)} passed, {len(failed)} failed" + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
