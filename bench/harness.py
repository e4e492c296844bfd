"""The benchmark harness of descope-mgmt: runs every client against one local emulator.

Started by ``bench/run.sh`` (which builds and installs everything first); standard library
only. It measures, in one run and against the same server:

- rotate throughput (calls/s) and p50/p99 latency of the raw Rust core, every binding and
  the two official SDKs, each in a long-lived worker process that is warmed up first; the
  repetitions are interleaved (rep 1 of every client, then rep 2, ...) so that noise hits
  all clients alike;
- import / require time in a fresh process (timed inside it), interleaved too;
- client construction time;
- one batch upload of N tokens per client in a fresh process: wall time and peak RSS;
- "logging off": sequential rotate calls/s of the core with logs off (the default) against
  the same core built at the commit before the logs were added, in alternating short
  rounds, with a second logs-off worker as the run's own noise reference and the core
  with logs on (error, info) for comparison.

It writes ``results.json`` (read by ``bench/report.py``), prints a table, and exits
non-zero when any client failed to run.
"""

import argparse
import json
import os
import platform
import queue
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

import bulk

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
WORKERS = os.path.join(BENCH, "workers")
KEY_ID = "K2active2"

# Settings per mode: seconds per measured rep, warm-up seconds, reps, fresh-process import
# runs, batch size and reps, construction counts (ours, Python SDK, Node SDK).
MODES = {
    "full": dict(seconds=1.5, warmup=3.0, reps=9, import_runs=21, batch_count=10_000, batch_reps=3,
                 construct_reps=3, construct_ours=1000, construct_py_sdk=10, construct_node_sdk=200,
                 logs_rounds=30, logs_seconds=0.3, logs_warmup=1.0),
    "smoke": dict(seconds=0.2, warmup=0.2, reps=3, import_runs=3, batch_count=500, batch_reps=1,
                  construct_reps=1, construct_ours=10, construct_py_sdk=2, construct_node_sdk=5,
                  logs_rounds=2, logs_seconds=0.1, logs_warmup=0.1),
}


class Scenario:
    """One rotate workload of one client: a worker command line and a concurrency."""

    def __init__(self, sid, label, lang, kind, argv, concurrency, shape, mode=None):
        self.id = sid
        self.mode = mode  # worker-specific run mode (the core worker's "block_on")
        self.label = label
        self.lang = lang  # rust | python | node | c
        self.kind = kind  # core | core-ref (reference only) | ours | peer
        self.argv = argv
        self.concurrency = concurrency
        self.shape = shape  # human description of the concurrency
        self.worker = None
        self.reps = []
        self.error = None


def scenarios(args):
    py = [args.python, os.path.join(WORKERS, "py_worker.py")]
    node = ["node", os.path.join(WORKERS, "node_worker.js")]
    core = [args.core_bin]
    c = [args.c_bin]
    s = Scenario
    return [
        s("core-1", "Rust core, sequential", "rust", "core", core + ["serve"], 1, "1 task"),
        s("core-8", "Rust core, 8 concurrent", "rust", "core", core + ["serve"], 8, "8 tasks"),
        s("core-64", "Rust core, 64 concurrent", "rust", "core", core + ["serve"], 64, "64 tasks"),
        s("core-blocking-1", "Rust core, blocking, 1 thread", "rust", "core-ref", core + ["serve"], 1,
          "1 thread, block_on per call", mode="block_on"),
        s("core-blocking-8", "Rust core, blocking, 8 threads", "rust", "core-ref", core + ["serve"], 8,
          "8 threads, block_on per call", mode="block_on"),
        s("py-sync-1", "Python sync, 1 thread", "python", "ours", py + ["serve", "mgmt", "sync"], 1, "1 thread"),
        s("py-sync-8", "Python sync, 8 threads", "python", "ours", py + ["serve", "mgmt", "sync"], 8,
          "8 threads, 1 client"),
        s("py-async-64", "Python asyncio, 64 concurrent", "python", "ours", py + ["serve", "mgmt", "async"], 64,
          "64 tasks"),
        s("node-seq", "Node, sequential", "node", "ours", node + ["serve", "mgmt"], 1, "1 chain"),
        s("node-64", "Node, 64 concurrent", "node", "ours", node + ["serve", "mgmt"], 64, "64 promises"),
        s("c-1", "C, 1 thread", "c", "ours", c + ["serve"], 1, "1 thread"),
        s("c-8", "C, 8 threads", "c", "ours", c + ["serve"], 8, "8 threads, 1 client"),
        s("sdk-py-sync-1", "descope (Python SDK) sync, 1 thread", "python", "peer",
          py + ["serve", "descope", "sync"], 1, "1 thread"),
        s("sdk-py-sync-8", "descope (Python SDK) sync, 8 threads", "python", "peer",
          py + ["serve", "descope", "sync"], 8, "8 threads, 1 client"),
        s("sdk-py-async-64", "descope (Python SDK) async, 64 concurrent", "python", "peer",
          py + ["serve", "descope", "async"], 64, "64 tasks"),
        s("sdk-node-seq", "@descope/node-sdk, sequential", "node", "peer", node + ["serve", "sdk"], 1, "1 chain"),
        s("sdk-node-64", "@descope/node-sdk, 64 concurrent", "node", "peer", node + ["serve", "sdk"], 64,
          "64 promises"),
    ]


# (our scenario, official SDK scenario, minimum ratio)
PEER_TARGETS = [
    ("py-sync-1", "sdk-py-sync-1", 3.0),
    ("py-sync-8", "sdk-py-sync-8", 7.0),
    ("py-async-64", "sdk-py-async-64", 20.0),
    ("node-seq", "sdk-node-seq", 2.0),
    ("node-64", "sdk-node-64", 4.0),
]
# (binding scenario, raw core scenario on the same workload); each must reach CORE_SHARE.
CORE_TARGETS = [
    ("py-sync-1", "core-1"),
    ("py-sync-8", "core-8"),
    ("py-async-64", "core-64"),
    ("node-seq", "core-1"),
    ("node-64", "core-64"),
    ("c-1", "core-1"),
    ("c-8", "core-8"),
]
CORE_SHARE = 0.70
IMPORT_TARGET = 5.0


class Emulator:
    """The release emulator on an ephemeral port, with /emulator/reset."""

    def __init__(self, binary, log_dir):
        self.log = open(os.path.join(log_dir, "emulator.log"), "w")
        self.proc = subprocess.Popen([binary, "--port", "0"], stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the emulator exited without its JSON line (see {self.log.name})")
        info = json.loads(line)
        self.url = info["url"]
        self.project_id = info["projectId"]
        self.management_key = info["managementKey"]
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def reset(self):
        req = urllib.request.Request(self.url + "/emulator/reset", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Worker:
    """A long-lived worker process answering one JSON line per JSON command."""

    def __init__(self, scenario, env, log_dir):
        self.log_path = os.path.join(log_dir, scenario.id + ".log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(scenario.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                     env=env, text=True, bufsize=1, cwd=ROOT)
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def request(self, cmd, timeout):
        try:
            self.proc.stdin.write(json.dumps(cmd) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise RuntimeError(f"worker exited early: {self.tail()}") from None
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"worker did not answer within {timeout:.0f} s") from None
        if line is None:
            raise RuntimeError(f"worker exited: {self.tail()}")
        return json.loads(line)

    def tail(self):
        self.log.flush()
        try:
            with open(self.log_path) as f:
                return " | ".join(f.read().strip().splitlines()[-5:]) or "(no stderr)"
        except OSError:
            return "(no log)"

    def stop(self):
        try:
            self.proc.stdin.write('{"op":"quit"}\n')
            self.proc.stdin.flush()
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def median(xs):
    return statistics.median(xs) if xs else None


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_throughput(args, cfg, emu, env, scen, log_dir):
    """Warm every worker up, then interleave the measured reps of every scenario."""
    for s in scen:
        try:
            s.worker = Worker(s, env, log_dir)
        except OSError as e:
            s.error = f"cannot start {s.argv[0]}: {e}"
    for s in scen:
        if s.error:
            continue
        try:
            emu.reset()
            r = s.worker.request(run_cmd(s, cfg["warmup"]), timeout=cfg["warmup"] + 120)
            check_reply(r)
            log(f"  warm-up {s.id:<16} {r['calls'] / r['elapsed']:>10,.0f} calls/s")
        except Exception as e:  # noqa: BLE001 - recorded, reported, and fails the run
            s.error = str(e)
            log(f"  FAILED  {s.id}: {s.error}")
    for rep in range(cfg["reps"]):
        order = scen if rep % 2 == 0 else list(reversed(scen))  # alternate the order to spread drift
        for s in order:
            if s.error:
                continue
            try:
                emu.reset()
                r = s.worker.request(run_cmd(s, cfg["seconds"]), timeout=cfg["seconds"] + 120)
                check_reply(r)
                r["rate"] = r["calls"] / r["elapsed"]
                r["rep"] = rep
                s.reps.append(r)
            except Exception as e:  # noqa: BLE001
                s.error = str(e)
                log(f"  FAILED  {s.id}: {s.error}")
        log(f"  rep {rep + 1}/{cfg['reps']} done")
    for s in scen:
        if s.worker:
            s.worker.stop()


def run_cmd(s, seconds):
    cmd = {"op": "run", "seconds": seconds, "concurrency": s.concurrency}
    if s.mode:
        cmd["mode"] = s.mode
    return cmd


def check_reply(r):
    if "error" in r:
        raise RuntimeError(r["error"])
    if r.get("errors"):
        raise RuntimeError(f"{r['errors']} failed calls, first: {r.get('firstError')}")
    if not r.get("calls"):
        raise RuntimeError("no call completed")


def one_shot(argv, env, cwd=ROOT, timeout=300):
    """Runs a fresh process that prints one JSON line; returns (json, wall seconds)."""
    t = time.perf_counter()
    p = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"exit {p.returncode}: {(p.stderr or p.stdout).strip()[-400:]}")
    return json.loads(p.stdout.strip().splitlines()[-1]), wall


def run_imports(args, cfg, env):
    """Fresh-process import/require times, timed inside the process; interleaved runs."""
    py_t = ("import time; t = time.perf_counter(); import {m}; "
            "print((time.perf_counter() - t) * 1000)")
    node_t = ("const t = process.hrtime.bigint(); require('{m}'); "
              "console.log(Number(process.hrtime.bigint() - t) / 1e6)")
    node_cwd = os.path.dirname(args.node_modules)
    rows = [
        dict(id="py-baseline", label="python -c pass", lang="python", kind="baseline",
             argv=[args.python, "-c", "print(0)"], cwd=ROOT),
        dict(id="py-mgmt", label="import descope_mgmt", lang="python", kind="ours",
             argv=[args.python, "-c", py_t.format(m="descope_mgmt")], cwd=ROOT),
        dict(id="py-sdk", label="import descope (official)", lang="python", kind="peer",
             argv=[args.python, "-c", py_t.format(m="descope")], cwd=ROOT),
        dict(id="node-baseline", label="node -e 0", lang="node", kind="baseline",
             argv=["node", "-e", "console.log(0)"], cwd=node_cwd),
        dict(id="node-mgmt", label="require('descope-mgmt')", lang="node", kind="ours",
             argv=["node", "-e", node_t.format(m="descope-mgmt")], cwd=node_cwd),
        dict(id="node-sdk", label="require('@descope/node-sdk') (official)", lang="node", kind="peer",
             argv=["node", "-e", node_t.format(m="@descope/node-sdk")], cwd=node_cwd),
    ]
    for row in rows:
        row.update(import_ms=[], wall_ms=[], error=None)
    for _ in range(cfg["import_runs"]):
        for row in rows:
            if row["error"]:
                continue
            try:
                out, wall = one_shot(row["argv"], env, cwd=row["cwd"], timeout=60)
                row["wall_ms"].append(wall * 1000)
                if row["kind"] != "baseline":
                    row["import_ms"].append(float(out))
            except Exception as e:  # noqa: BLE001
                row["error"] = str(e)
                log(f"  FAILED  import {row['id']}: {row['error']}")
    for row in rows:
        del row["argv"], row["cwd"]
        row["median_import_ms"] = median(row["import_ms"])
        row["min_import_ms"] = min(row["import_ms"]) if row["import_ms"] else None
        row["median_wall_ms"] = median(row["wall_ms"])
    return rows


def one_shot_clients(args):
    """(id, label, lang, kind, argv prefix) of the fresh-process batch and construction runs."""
    py = [args.python, os.path.join(WORKERS, "py_worker.py")]
    node = ["node", os.path.join(WORKERS, "node_worker.js")]
    return [
        ("core", "Rust core", "rust", "core", [args.core_bin]),
        ("python", "Python descope_mgmt", "python", "ours", py + ["{op}", "mgmt"]),
        ("node", "Node descope-mgmt", "node", "ours", node + ["{op}", "mgmt"]),
        ("c", "C libdescope_mgmt", "c", "ours", [args.c_bin]),
        ("sdk-python", "descope (Python SDK)", "python", "peer", py + ["{op}", "descope"]),
        ("sdk-node", "@descope/node-sdk", "node", "peer", node + ["{op}", "sdk"]),
    ]


def client_argv(prefix, op, count):
    if "{op}" in prefix:
        return [a.replace("{op}", op) for a in prefix] + [str(count)]
    return prefix + [op, str(count)]


def run_construct(args, cfg, emu, env):
    rows = []
    for cid, label, lang, kind, prefix in one_shot_clients(args):
        count = {"sdk-python": cfg["construct_py_sdk"], "sdk-node": cfg["construct_node_sdk"]}.get(
            cid, cfg["construct_ours"])
        rows.append(dict(id=cid, label=label, lang=lang, kind=kind, count=count,
                         argv=client_argv(prefix, "construct", count), reps=[], error=None))
    for _ in range(cfg["construct_reps"]):
        for row in rows:
            if row["error"]:
                continue
            try:
                emu.reset()
                out, _ = one_shot(row["argv"], env)
                row["reps"].append(out)
            except Exception as e:  # noqa: BLE001
                row["error"] = str(e)
                log(f"  FAILED  construct {row['id']}: {row['error']}")
    for row in rows:
        del row["argv"]
        row["ms"] = median([r["medianMs"] for r in row["reps"]])
        row["first_call_ms"] = median([r["firstCallMs"] for r in row["reps"]])
        row["new_client_first_call_ms"] = median([r["newClientFirstCallMs"] for r in row["reps"]])
        row["warm_call_ms"] = median([r["warmCallMs"] for r in row["reps"]])
    return rows


def run_batch(args, cfg, emu, env):
    rows = []
    for cid, label, lang, kind, prefix in one_shot_clients(args):
        rows.append(dict(id=cid, label=label, lang=lang, kind=kind, count=cfg["batch_count"],
                         argv=client_argv(prefix, "batch", cfg["batch_count"]), reps=[], error=None))
    for _ in range(cfg["batch_reps"]):
        for row in rows:
            if row["error"]:
                continue
            try:
                emu.reset()
                out, wall = one_shot(row["argv"], env)
                out["processMs"] = wall * 1000
                row["reps"].append(out)
            except Exception as e:  # noqa: BLE001
                row["error"] = str(e)
                log(f"  FAILED  batch {row['id']}: {row['error']}")
    for row in rows:
        del row["argv"]
        reps = row["reps"]
        row["wall_ms"] = median([r["wallMs"] for r in reps])
        row["min_wall_ms"] = min((r["wallMs"] for r in reps), default=None)
        row["max_wall_ms"] = max((r["wallMs"] for r in reps), default=None)
        row["max_rss_kb"] = median([r["maxRssKb"] for r in reps])
        row["rss_before_kb"] = median([r["rssBeforeKb"] for r in reps])
    return rows


def summarize_throughput(scen):
    out = []
    for s in scen:
        rates = [r["rate"] for r in s.reps]
        out.append(dict(
            id=s.id, label=s.label, lang=s.lang, kind=s.kind, concurrency=s.concurrency, shape=s.shape,
            error=s.error, reps=s.reps,
            calls_per_rep=median([r["calls"] for r in s.reps]),
            rate=median(rates), min_rate=min(rates, default=None), max_rate=max(rates, default=None),
            p50_ms=median([r["p50Ms"] for r in s.reps]), p99_ms=median([r["p99Ms"] for r in s.reps]),
        ))
    return out


def paired_ratio(a, b):
    """Median over reps of a's rate / b's rate in the same rep (both interleaved)."""
    rb = {r["rep"]: r["rate"] for r in b["reps"]}
    ratios = [r["rate"] / rb[r["rep"]] for r in a["reps"] if r["rep"] in rb and rb[r["rep"]] > 0]
    return median(ratios), (min(ratios) if ratios else None), (max(ratios) if ratios else None)


def targets(throughput, imports):
    by = {t["id"]: t for t in throughput}
    rows = []
    for ours, peer, need in PEER_TARGETS:
        a, b = by[ours], by[peer]
        ratio, lo, hi = paired_ratio(a, b) if a["reps"] and b["reps"] else (None, None, None)
        rows.append(dict(kind="vs-sdk", name=f"{a['label']} vs {b['label']}", ours=ours, other=peer,
                         need=need, ratio=ratio, min=lo, max=hi,
                         status="FAIL" if ratio is None else ("PASS" if ratio >= need else "MISS")))
    imp = {r["id"]: r for r in imports}
    for lang, ours, peer in (("Python import", "py-mgmt", "py-sdk"), ("Node require", "node-mgmt", "node-sdk")):
        a, b = imp[ours], imp[peer]
        ratio = (b["median_import_ms"] / a["median_import_ms"]
                 if a["median_import_ms"] and b["median_import_ms"] else None)
        rows.append(dict(kind="import", name=f"{lang}: {a['label']} vs {b['label']}", ours=ours, other=peer,
                         need=IMPORT_TARGET, ratio=ratio, min=None, max=None,
                         status="FAIL" if ratio is None else ("PASS" if ratio >= IMPORT_TARGET else "MISS")))
    for ours, core in CORE_TARGETS:
        a, b = by[ours], by[core]
        ratio, lo, hi = paired_ratio(a, b) if a["reps"] and b["reps"] else (None, None, None)
        rows.append(dict(kind="vs-core", name=f"{a['label']} vs {b['label']}", ours=ours, other=core,
                         need=CORE_SHARE, ratio=ratio, min=lo, max=hi,
                         status="FAIL" if ratio is None else ("PASS" if ratio >= CORE_SHARE else "MISS")))
    return rows


# "Logging off": PASS when the median per-round ratio of the pre-logs core's calls/s to the
# current core's (logs off) is at most 1 + max(LOGS_FLOOR, 2 standard errors of a median of the
# run's own A-vs-A ratios: two identical logs-off worker processes).
LOGS_FLOOR = 0.03


def logs_workers(args):
    """(id, label, argv, BENCH_LOG_LEVEL) of the logging-off workers; all rotate sequentially."""
    core = [args.core_bin, "serve"]
    rows = [
        ("off", "current core, logs off (default)", core, None),
        ("off-2", "current core, logs off, 2nd process (noise reference)", core, None),
    ]
    if args.prelogs_bin:
        rows.append(("prelogs", f"core before the logs ({args.prelogs_rev or 'pre-logs commit'})",
                     [args.prelogs_bin, "serve"], None))
    rows += [
        ("error", "current core, logs at error (no record for a success)", core, "error"),
        ("info", "current core, logs at info, counting sink (one record per call)", core, "info"),
    ]
    return rows


def proc_cpu_ns(pid):
    """CPU time of every thread of process `pid` so far, in ns (schedstat), or None."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass  # a thread that just exited
    except OSError:
        return None
    return total


def check_log_records(wid, r):
    """A logs-on worker's records: none at error (every call succeeds), one per call at info."""
    want = {"error": 0, "info": r["calls"]}.get(wid)
    if want is not None and r.get("logRecords") != want:
        raise RuntimeError(f"{r.get('logRecords')} log records for {r['calls']} calls, expected {want}")


def run_logs_off(args, cfg, emu, env, log_dir):
    """Interleaved rounds of every logging-off worker (1 task each); paired ratios per round."""
    workers = []
    for wid, label, argv, level in logs_workers(args):
        s = Scenario("logs-" + wid, label, "rust", "logs", argv, 1, "1 task")
        wenv = dict(env)
        wenv.pop("BENCH_LOG_LEVEL", None)
        if level:
            wenv["BENCH_LOG_LEVEL"] = level
        try:
            s.worker = Worker(s, wenv, log_dir)
        except OSError as e:
            s.error = f"cannot start {argv[0]}: {e}"
        workers.append((wid, s))
    for wid, s in workers:
        if s.error:
            continue
        try:
            emu.reset()
            r = s.worker.request(run_cmd(s, cfg["logs_warmup"]), timeout=cfg["logs_warmup"] + 120)
            check_reply(r)
            check_log_records(wid, r)
        except Exception as e:  # noqa: BLE001
            s.error = str(e)
            log(f"  FAILED  {s.id}: {s.error}")
    n = len(workers)
    for rnd in range(cfg["logs_rounds"]):
        # Every worker once per round; the order alternates and rotates, so no worker keeps
        # the same neighbours or the same place after the emulator reset.
        order = workers[rnd % n:] + workers[:rnd % n]
        if rnd % 2:
            order.reverse()
        for wid, s in order:
            if s.error:
                continue
            try:
                emu.reset()
                cpu = proc_cpu_ns(s.worker.proc.pid)
                r = s.worker.request(run_cmd(s, cfg["logs_seconds"]), timeout=cfg["logs_seconds"] + 120)
                cpu_after = proc_cpu_ns(s.worker.proc.pid)
                check_reply(r)
                check_log_records(wid, r)
                r["rate"] = r["calls"] / r["elapsed"]
                if cpu is not None and cpu_after is not None:
                    r["cpuUsPerCall"] = (cpu_after - cpu) / 1000 / r["calls"]
                r["rep"] = rnd
                s.reps.append(r)
            except Exception as e:  # noqa: BLE001
                s.error = str(e)
                log(f"  FAILED  {s.id}: {s.error}")
    for _, s in workers:
        if s.worker:
            s.worker.stop()
    return summarize_logs_off(args, cfg, workers)


def summarize_logs_off(args, cfg, workers):
    rows = {}
    for wid, s in workers:
        rates = [r["rate"] for r in s.reps]
        cpu = [r["cpuUsPerCall"] for r in s.reps if "cpuUsPerCall" in r]
        rows[wid] = dict(id=wid, label=s.label, error=s.error, reps=s.reps,
                         calls_per_rep=median([r["calls"] for r in s.reps]),
                         cpu_us_per_call=median(cpu),
                         rate=median(rates), min_rate=min(rates, default=None), max_rate=max(rates, default=None),
                         p50_ms=median([r["p50Ms"] for r in s.reps]),
                         log_records=sum(r.get("logRecords", 0) for r in s.reps) if s.reps else None)

    def per_round(a, b, field):
        if a not in rows or b not in rows:
            return []
        rb = {r["rep"]: r.get(field) for r in rows[b]["reps"]}
        return [r[field] / rb[r["rep"]] for r in rows[a]["reps"] if rb.get(r["rep"]) and r.get(field)]

    ratios = {}
    for key, a in (("prelogs", "prelogs"), ("noise", "off-2"), ("error", "error"), ("info", "info")):
        xs = per_round(a, "off", "rate")
        cs = per_round(a, "off", "cpuUsPerCall")
        ratios[key] = dict(of=a, to="off", ratio=median(xs), min=min(xs, default=None),
                           max=max(xs, default=None), rounds=xs, cpu_ratio=median(cs))
    # The standard error of a median of n per-round ratios, 1.2533 sigma / sqrt(n), with sigma
    # estimated robustly (1.4826 x the median absolute deviation) from the A-vs-A ratios, so
    # that one round hit by a burst of load does not widen the tolerance by itself.
    noise = ratios["noise"]["rounds"]
    se = None
    if len(noise) >= 2:
        mid = statistics.median(noise)
        sigma = 1.4826 * statistics.median(abs(x - mid) for x in noise)
        se = 1.2533 * sigma / len(noise) ** 0.5
    tolerance = max(LOGS_FLOOR, 2 * se) if se is not None else None
    got = ratios["prelogs"]["ratio"]
    if not args.prelogs_bin:
        status = "SKIP" if args.mode == "smoke" else "FAIL"
        note = ("smoke run: the pre-logs core is not built" if args.mode == "smoke"
                else "the pre-logs core was not built (see bench/.tmp/prelogs-build.log)")
    elif got is None or tolerance is None:
        status, note = "FAIL", "not measured (a worker failed)"
    else:
        status = "PASS" if got <= 1 + tolerance else "MISS"
        note = None
    target = dict(kind="logs-off", name="logging off costs nothing measurable", ratio=got,
                  min=ratios["prelogs"]["min"], max=ratios["prelogs"]["max"],
                  need=None if tolerance is None else 1 + tolerance, tolerance=tolerance,
                  noise_se=se, status=status, note=note)
    return dict(settings=dict(rounds=cfg["logs_rounds"], seconds=cfg["logs_seconds"], warmup=cfg["logs_warmup"]),
                prelogs_rev=args.prelogs_rev or None, floor=LOGS_FLOOR,
                workers=[rows[wid] for wid, _ in workers], ratios=ratios, target=target)


def print_logs_off(lo):
    st = lo["settings"]
    print(f"\nLogging off: sequential rotate, {st['rounds']} interleaved rounds of {st['seconds']} s per worker")
    for w in lo["workers"]:
        if w["error"] and not w["reps"]:
            print(f"  {w['label']:<70} FAILED: {w['error'][:80]}")
            continue
        print(f"  {w['label']:<70} {fmt_rate(w['rate']):>9} calls/s ({fmt_rate(w['min_rate'])}-"
              f"{fmt_rate(w['max_rate'])})   cpu {fmt_ms(w['cpu_us_per_call'], 1)} us/call"
              + (f"   log records {w['log_records']}" if w["log_records"] else ""))
    for r in lo["ratios"].values():
        if r["ratio"] is not None:
            print(f"  {r['of']}/off calls/s {r['ratio']:.3f} ({r['min']:.3f}-{r['max']:.3f})   cpu/call "
                  f"{fmt_ms(r['cpu_ratio'], 3)}")
    t = lo["target"]
    ratio = "-" if t["ratio"] is None else f"{t['ratio']:.3f}"
    need = "-" if t["need"] is None else f"{t['need']:.3f}"
    print(f"  [{t['status']}] {t['name']}: pre-logs/current {ratio} (PASS when <= {need})"
          + (f"; {t['note']}" if t["note"] else ""))


def cmd_out(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=ROOT).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def machine(args):
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    sdk_node = None
    try:
        with open(os.path.join(args.node_modules, "@descope", "node-sdk", "package.json")) as f:
            sdk_node = json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        pass
    sdk_py = cmd_out([args.python, "-c", "import importlib.metadata as m; print(m.version('descope'))"])
    return dict(
        nproc=os.cpu_count(), cpu=cpu, kernel=platform.release(), os=platform.platform(),
        python=cmd_out([args.python, "-c", "import sys; print(sys.version.split()[0])"]),
        node=cmd_out(["node", "--version"]), rustc=cmd_out(["rustc", "--version"]),
        sdk_python=sdk_py, sdk_node=sdk_node,
        commit=cmd_out(["git", "rev-parse", "--short", "HEAD"]),
        dirty=bool(cmd_out(["git", "status", "--porcelain", "--untracked-files=no"])),
        loadavg_start=os.getloadavg(),
    )


def fmt_rate(x):
    return "-" if x is None else f"{x:,.0f}"


def fmt_ms(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"


def print_tables(res):
    tp = res["throughput"]
    print(f"\nRotate throughput ({res['meta']['mode']} mode: {res['meta']['settings']['reps']} reps of "
          f"{res['meta']['settings']['seconds']} s after {res['meta']['settings']['warmup']} s warm-up)")
    print(f"{'client':<46} {'calls/s':>9} {'min-max':>17} {'p50 ms':>8} {'p99 ms':>8}")
    for t in tp:
        if t["error"] and not t["reps"]:
            print(f"{t['label']:<46} FAILED: {t['error'][:80]}")
            continue
        mm = f"{fmt_rate(t['min_rate'])}-{fmt_rate(t['max_rate'])}"
        print(f"{t['label']:<46} {fmt_rate(t['rate']):>9} {mm:>17} {fmt_ms(t['p50_ms'], 3):>8} "
              f"{fmt_ms(t['p99_ms'], 3):>8}")
    print("\nImport / require in a fresh process (timed inside it; medians)")
    for r in res["imports"]:
        imp = "-" if r["median_import_ms"] is None else f"{r['median_import_ms']:.1f} ms"
        print(f"{r['label']:<46} import {imp:>10}   process {fmt_ms(r['median_wall_ms'], 1):>7} ms"
              + (f"   FAILED: {r['error'][:60]}" if r["error"] else ""))
    print("\nClient construction, then rotate: first call in the process / first on a 2nd client / next (medians)")
    for r in res["construct"]:
        print(f"{r['label']:<46} {fmt_ms(r['ms'], 4):>10} ms   calls {fmt_ms(r['first_call_ms'])} / "
              f"{fmt_ms(r['new_client_first_call_ms'])} / {fmt_ms(r['warm_call_ms'])} ms"
              + (f"   FAILED: {r['error'][:60]}" if r["error"] else ""))
    print(f"\nBatch upload of {res['meta']['settings']['batch_count']:,} tokens (fresh process; medians)")
    for r in res["batch"]:
        rss = "-" if r["max_rss_kb"] is None else f"{r['max_rss_kb'] / 1024:.1f} MiB"
        print(f"{r['label']:<46} {fmt_ms(r['wall_ms'], 1):>8} ms   peak RSS {rss:>10}"
              + (f"   FAILED: {r['error'][:60]}" if r["error"] else ""))
    if res.get("bulk"):
        print("\nBulk upload: client cost per token (fresh process; medians)")
        bulk.print_table(res["bulk"])
    if res.get("logs_off"):
        print_logs_off(res["logs_off"])
    print("\nTargets (ratios within this run)")
    for t in res["targets"]:
        ratio = "-" if t["ratio"] is None else f"{t['ratio']:.2f}x"
        print(f"  [{t['status']}] {t['name']:<80} {ratio:>8} (need >= {t['need']}x)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=sorted(MODES), default="full")
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--core-bin", required=True)
    ap.add_argument("--c-bin", required=True)
    ap.add_argument("--cli-bin", default="", help="the descope-mgmt command (bulk section)")
    ap.add_argument("--python", required=True, help="interpreter of the bench venv")
    ap.add_argument("--node-modules", required=True, help="node_modules with descope-mgmt and @descope/node-sdk")
    ap.add_argument("--out", required=True, help="results JSON path")
    ap.add_argument("--command", default="bench/run.sh", help="the command line, recorded in the results")
    ap.add_argument("--only", default="",
                    help="comma-separated scenario ids, 'logs-off' for that section (debugging; the report flags it)")
    ap.add_argument("--prelogs-bin", default="",
                    help="the bench example built at the commit before the logs (the logging-off baseline)")
    ap.add_argument("--prelogs-rev", default="", help="that commit, for the report")
    for key in ("seconds", "warmup", "reps", "logs_rounds", "logs_seconds"):
        ap.add_argument("--" + key.replace("_", "-"), type=int if key.endswith(("reps", "rounds")) else float)
    args = ap.parse_args()
    cfg = dict(MODES[args.mode])
    for key in ("seconds", "warmup", "reps", "logs_rounds", "logs_seconds"):
        if getattr(args, key) is not None:
            cfg[key] = getattr(args, key)

    log_dir = os.path.join(os.path.dirname(os.path.abspath(args.out)), "logs")
    shutil.rmtree(log_dir, ignore_errors=True)
    os.makedirs(log_dir)
    started = time.time()
    meta = dict(mode=args.mode, settings=cfg, command=args.command, machine=machine(args),
                started=time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started)), only=args.only or None)

    emu = Emulator(args.emulator, log_dir)
    env = dict(os.environ, BENCH_URL=emu.url, BENCH_PROJECT_ID=emu.project_id,
               BENCH_MANAGEMENT_KEY=emu.management_key, BENCH_KEY_ID=KEY_ID,
               BENCH_NODE_MODULES=os.path.abspath(args.node_modules), PYTHONDONTWRITEBYTECODE="1")
    for k in ("DESCOPE_BASE_URI", "DESCOPE_PROJECT_ID", "DESCOPE_MANAGEMENT_KEY"):
        env.pop(k, None)
    try:
        scen = scenarios(args)
        if args.only:
            keep = set(args.only.split(","))
            scen = [s for s in scen if s.id in keep]
        log(f"emulator {emu.url}; {len(scen)} rotate workloads, mode {args.mode}")
        run_throughput(args, cfg, emu, env, scen, log_dir)
        throughput = summarize_throughput(scen)
        logs_off = None
        if not args.only or "logs-off" in args.only.split(","):
            log("logging off: current core vs the core before the logs, interleaved")
            logs_off = run_logs_off(args, cfg, emu, env, log_dir)
        log("import / require times")
        imports = run_imports(args, cfg, env)
        log("client construction")
        construct = run_construct(args, cfg, emu, env)
        log(f"batch upload of {cfg['batch_count']} tokens")
        batch = run_batch(args, cfg, emu, env)
        bulk_res = None
        if not args.only:
            log("bulk upload: client cost per token (sink and emulator)")
            bulk_res = bulk.run_bulk(args, args.mode, emu, env, one_shot_clients, client_argv, one_shot, log)
    finally:
        emu.stop()

    meta["machine"]["loadavg_end"] = os.getloadavg()
    meta["seconds"] = round(time.time() - started, 1)
    full_ids = {s.id for s in scenarios(args)}
    res = dict(meta=meta, throughput=throughput, imports=imports, construct=construct, batch=batch, bulk=bulk_res,
               logs_off=logs_off,
               targets=targets(throughput, imports) if {t["id"] for t in throughput} == full_ids else [])
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    print_tables(res)
    failed = ([t["id"] for t in throughput if t["error"]] + [r["id"] for r in imports if r["error"]]
              + [r["id"] for r in construct if r["error"]] + [r["id"] for r in batch if r["error"]]
              + [f"bulk-{r['server']}-{r['count']}-{r['id']}" for r in (bulk_res or {}).get("rows", []) if r["error"]]
              + [f"logs-{w['id']}" for w in (logs_off or {}).get("workers", []) if w["error"]]
              + (["logs-prelogs (not built)"] if logs_off and logs_off["target"]["status"] == "FAIL"
                 and not args.prelogs_bin else []))
    print(f"\nharness: {meta['seconds']} s; results in {os.path.relpath(args.out, ROOT)}")
    if failed:
        print(f"harness: FAILED clients: {', '.join(failed)} (logs in {os.path.relpath(log_dir, ROOT)})")
        sys.exit(1)


if __name__ == "__main__":
    main()
