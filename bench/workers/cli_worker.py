"""Bulk worker for the `descope-mgmt` command: `cli_worker.py batch CLI_BIN COUNT`.

Writes COUNT tokens (the same ones every worker uploads, without `appId`, which the command
takes from `--app-id`) as JSON Lines, runs a one-row warm-up upload, then times
`descope-mgmt tokens upload --app-id google-drive --file F` (chunks of 1,000, the default) and
prints one JSON line like the other workers: wall time, the command's CPU (user + system,
from the kernel's accounting of the child) and its peak RSS. Streams, so its memory does
not grow with the file. Configuration from BENCH_URL, BENCH_PROJECT_ID, BENCH_MANAGEMENT_KEY.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from py_worker import tokens  # noqa: E402


def write_jsonl(path: str, count: int) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for t in tokens(count):
            t.pop("appId")
            f.write(json.dumps(t, separators=(",", ":")))
            f.write("\n")


def upload(cli: str, path: str, env: dict[str, str]) -> None:
    cmd = [cli, "tokens", "upload", "--app-id", "google-drive", "--file", path, "--json"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"descope-mgmt exited {done.returncode}: {done.stderr.strip()[:300]}")


def batch(cli: str, count: int) -> None:
    env = dict(
        os.environ,
        DESCOPE_BASE_URI=os.environ["BENCH_URL"],
        DESCOPE_PROJECT_ID=os.environ["BENCH_PROJECT_ID"],
        DESCOPE_MANAGEMENT_KEY=os.environ["BENCH_MANAGEMENT_KEY"],
    )
    with tempfile.TemporaryDirectory() as tmp:
        warm, rows = os.path.join(tmp, "warm.jsonl"), os.path.join(tmp, "rows.jsonl")
        write_jsonl(warm, 1)
        write_jsonl(rows, count)
        upload(cli, warm, env)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        upload(cli, rows, env)
        wall = (time.perf_counter() - t) * 1000.0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000.0
    # ru_maxrss of RUSAGE_CHILDREN is the largest child's peak (KiB): the timed upload.
    print(json.dumps({"count": count, "wallMs": wall, "cpuMs": cpu, "maxRssKb": after.ru_maxrss, "rssBeforeKb": 0}))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "batch":
        batch(sys.argv[2], int(sys.argv[3]))
    else:
        raise SystemExit(__doc__)
