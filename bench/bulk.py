"""The bulk section of the benchmark: what one batch upload costs the client, per token.

Each client uploads N tokens (1k, 10k, 100k and 1M; above 100,000 in calls of 100,000,
the most one call takes) in a fresh process, after a one-token warm-up, and reports the
call's wall time, the client process's CPU time over it (user + system of every thread)
and its peak RSS. Two servers: a sink that reads each body and answers
`{"failures":[]}` without parsing it (so the server's work does not hide the client's),
and the emulator. Beside our four clients and the two official SDKs stand the floors:
Python `json.dumps` + `http.client`, Node `JSON.stringify` + `node:http` (and the Rust core
alone is the floor of our bindings). Sizes, clients and repetitions are interleaved.

Used by bench/harness.py (`run_bulk`) and bench/report.py (`markdown`); run alone,
`python bench/bulk.py sink` serves the sink on a free port and prints its URL.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SETTINGS = {
    # sizes against each server, repetitions (the 1M size runs once: ~10 s per client)
    "full": dict(sink=[1_000, 10_000, 100_000, 1_000_000], emulator=[1_000, 10_000, 100_000], reps=3, big_reps=1),
    "smoke": dict(sink=[100, 1_000], emulator=[100], reps=1, big_reps=1),
}
BIG = 1_000_000
# Targets: (ours, peer) CPU per token at most 1/3 of the peer's; wall at 100k at least
# 1.5x faster; peak RSS at 100k no more than the peer's; (binding, core) CPU per token
# within 1.3x of the core's; RSS growth per token at 1M within 1.3x of that at 100k.
PEERS = (("python", "sdk-python"), ("node", "sdk-node"))
CORE_CPU_SHARE = 1.3
LINEAR_RSS = 1.3


class Sink(BaseHTTPRequestHandler):
    """Reads the body, answers `{"failures":[]}` (`{}` for anything but a batch upload)."""

    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        left = int(self.headers.get("Content-Length") or 0)
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                return
            left -= len(chunk)
        body = b'{"failures":[]}' if self.path.endswith("/batch/upload") else b"{}"
        # One write, no Nagle: a status line and a body in two small writes would wait for
        # the client's delayed ACK (40 ms) and hide what the client costs.
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(body), body))

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    do_POST = do_GET = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass


def serve_sink() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    print(json.dumps({"url": f"http://127.0.0.1:{server.server_port}"}), flush=True)
    server.serve_forever()


def clients(args, one_shot_clients):
    """The bench's one-shot clients plus the two floors."""
    py = [args.python, os.path.join(HERE, "workers", "py_worker.py")]
    node = ["node", os.path.join(HERE, "workers", "node_worker.js")]
    out = one_shot_clients(args) + [
        ("floor-python", "Python json.dumps + http.client", "python", "floor", py + ["{op}", "floor"]),
        ("floor-node", "Node JSON.stringify + node:http", "node", "floor", node + ["{op}", "floor"]),
    ]
    if getattr(args, "cli_bin", ""):
        cli = [args.python, os.path.join(HERE, "workers", "cli_worker.py"), "{op}", args.cli_bin]
        out.append(("cli", "descope-mgmt tokens upload (JSON Lines, chunks of 1,000)", "cli", "ours", cli))
    return out


def run_bulk(args, mode, emu, env, one_shot_clients, client_argv, one_shot, log):
    """Runs every client at every size against the sink and the emulator, interleaved."""
    cfg = SETTINGS[mode]
    sink = subprocess.Popen([sys.executable, os.path.abspath(__file__), "sink"], stdout=subprocess.PIPE, text=True)
    try:
        sink_url = json.loads(sink.stdout.readline())["url"]
        servers = {"sink": (sink_url, cfg["sink"]), "emulator": (emu.url, cfg["emulator"])}
        rows = []
        for server, (url, sizes) in servers.items():
            for size in sizes:
                for cid, label, lang, kind, prefix in clients(args, one_shot_clients):
                    rows.append(dict(server=server, url=url, count=size, id=cid, label=label, lang=lang,
                                     kind=kind, argv=client_argv(prefix, "batch", size), reps=[], error=None))
        for rep in range(cfg["reps"]):
            for row in rows:
                if row["error"] or (row["count"] >= BIG and rep >= cfg["big_reps"]):
                    continue
                try:
                    if row["server"] == "emulator":
                        emu.reset()
                    out, _ = one_shot(row["argv"], dict(env, BENCH_URL=row["url"]), timeout=600)
                    row["reps"].append(out)
                except Exception as e:  # noqa: BLE001 - reported per client
                    row["error"] = str(e)
                    log(f"  FAILED  bulk {row['server']} {row['count']} {row['id']}: {row['error']}")
    finally:
        sink.terminate()
        sink.wait(10)
    for row in rows:
        del row["argv"], row["url"]
        reps = row["reps"]
        row["wall_ms"] = median([r["wallMs"] for r in reps])
        row["cpu_ms"] = median([r["cpuMs"] for r in reps])
        row["us_per_token"] = None if row["cpu_ms"] is None else row["cpu_ms"] * 1000 / row["count"]
        row["max_rss_kb"] = median([r["maxRssKb"] for r in reps])
        row["rss_before_kb"] = median([r["rssBeforeKb"] for r in reps])
    return dict(settings=cfg, rows=rows, targets=targets(rows, cfg))


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def targets(rows, cfg):
    """PASS/MISS rows, from the sink's figures (the client's cost alone) at 100k tokens."""
    size = 100_000 if 100_000 in cfg["sink"] else max(cfg["sink"])
    at = {(r["id"], r["count"]): r for r in rows if r["server"] == "sink"}
    out = []

    def add(name, value, need, ok, shown):
        out.append(dict(name=name, value=value, need=need,
                        status="FAIL" if value is None else ("PASS" if ok(value) else "MISS"), shown=shown))

    for ours, peer in PEERS:
        a, b = at.get((ours, size)), at.get((peer, size))
        if not a or not b:
            continue
        cpu = a["us_per_token"] / b["us_per_token"] if a["us_per_token"] and b["us_per_token"] else None
        add(f"{a['label']}: client CPU per token vs {b['label']}", cpu, "≤ 0.33×", lambda v: v <= 1 / 3,
            None if cpu is None else f"{cpu:.2f}× ({a['us_per_token']:.2f} vs {b['us_per_token']:.2f} µs)")
        wall = b["wall_ms"] / a["wall_ms"] if a["wall_ms"] and b["wall_ms"] else None
        add(f"{a['label']}: wall time at {size:,} tokens, {b['label']}'s / ours", wall, "≥ 1.5×",
            lambda v: v >= 1.5, None if wall is None else f"{wall:.2f}×")
        rss = a["max_rss_kb"] / b["max_rss_kb"] if a["max_rss_kb"] and b["max_rss_kb"] else None
        add(f"{a['label']}: peak RSS at {size:,} tokens vs {b['label']}", rss, "≤ 1.0×", lambda v: v <= 1.0,
            None if rss is None else f"{rss:.2f}× ({a['max_rss_kb'] / 1024:.0f} vs {b['max_rss_kb'] / 1024:.0f} MiB)")
    core = at.get(("core", size))
    for ours in ("python", "c", "node"):
        a = at.get((ours, size))
        if not a or not core or not core["us_per_token"] or not a["us_per_token"]:
            continue
        share = a["us_per_token"] / core["us_per_token"]
        add(f"{a['label']}: client CPU per token vs the Rust core", share, f"≤ {CORE_CPU_SHARE}×",
            lambda v: v <= CORE_CPU_SHARE, f"{share:.2f}× ({a['us_per_token']:.2f} vs {core['us_per_token']:.2f} µs)")
    if BIG in cfg["sink"]:
        for ours in ("core", "python", "node", "c"):
            small, big = at.get((ours, size)), at.get((ours, BIG))
            if not small or not big or not small["max_rss_kb"] or not big["max_rss_kb"]:
                continue
            grow_small = (small["max_rss_kb"] - small["rss_before_kb"]) / size
            grow_big = (big["max_rss_kb"] - big["rss_before_kb"]) / BIG
            g = grow_big / grow_small if grow_small > 0 else None
            add(f"{small['label']}: RSS growth per token at 1M vs {size:,} (linear, no step)", g,
                f"≤ {LINEAR_RSS}×", lambda v: v <= LINEAR_RSS,
                None if g is None else f"{g:.2f}× ({grow_big * 1024:.0f} vs {grow_small * 1024:.0f} B/token)")
    cli_small, cli_big = at.get(("cli", size)), at.get(("cli", BIG))
    if cli_small and cli_big and cli_small["max_rss_kb"] and cli_big["max_rss_kb"]:
        ratio = cli_big["max_rss_kb"] / cli_small["max_rss_kb"]
        add(f"{cli_small['label']}: peak RSS at 1M rows vs {size:,} (streams: bounded memory)", ratio, "≤ 1.3×",
            lambda v: v <= 1.3,
            f"{ratio:.2f}× ({cli_big['max_rss_kb'] / 1024:.0f} vs {cli_small['max_rss_kb'] / 1024:.0f} MiB)")
    return out


def markdown(bulk):
    """The bulk section of BENCHMARKS.md."""
    out = []
    w = out.append
    cfg = bulk["settings"]
    w("## Bulk upload: client cost per token")
    w("")
    w("Each client uploads N tokens in a fresh process (calls of at most 100,000; 1M is 10 calls), "
      "after a one-token warm-up. *Client CPU* is user + system time of the whole client process "
      "over the upload (every thread: the binding's runtime threads count). Against the **sink** "
      "(reads the body, answers `{\"failures\":[]}` without parsing) only the client differs; the "
      f"**emulator** parses and stores. Medians of {cfg['reps']} interleaved repetitions "
      f"(1M: {cfg['big_reps']}). The floors show what plain Python and Node cost for the same body; "
      "the Rust core is the floor of our bindings.")
    w("")
    if bulk["targets"]:
        w("| target | measured | needed | result |")
        w("|---|---:|---:|:---:|")
        for t in bulk["targets"]:
            w(f"| {t['name']} | {t['shown'] or '-'} | {t['need']} | **{t['status']}** |")
        w("")
    for server in ("sink", "emulator"):
        rows = [r for r in bulk["rows"] if r["server"] == server]
        if not rows:
            continue
        w(f"### Against the {server}")
        w("")
        w("| tokens | client | wall ms | client CPU ms | µs CPU / token | peak RSS MiB |")
        w("|---:|---|---:|---:|---:|---:|")
        for r in rows:
            label = f"**{r['label']}**" if r["kind"] in ("ours", "core") else r["label"]
            if r["error"] and not r["reps"]:
                w(f"| {r['count']:,} | {label} | failed: {r['error'][:60]} | | | |")
                continue
            w(f"| {r['count']:,} | {label} | {fmt(r['wall_ms'], 1)} | {fmt(r['cpu_ms'], 1)} | "
              f"{fmt(r['us_per_token'], 2)} | {fmt(None if r['max_rss_kb'] is None else r['max_rss_kb'] / 1024, 0)} |")
        w("")
    return "\n".join(out)


def fmt(x, digits):
    return "-" if x is None else f"{x:,.{digits}f}"


def print_table(bulk):
    for r in bulk["rows"]:
        err = f"   FAILED: {r['error'][:60]}" if r["error"] else ""
        print(f"{r['server']:<9} {r['count']:>9,} {r['label']:<36} wall {fmt(r['wall_ms'], 1):>10} ms  "
              f"cpu {fmt(r['cpu_ms'], 1):>10} ms  {fmt(r['us_per_token'], 2):>7} us/token  "
              f"rss {fmt(None if r['max_rss_kb'] is None else r['max_rss_kb'] / 1024, 0):>6} MiB{err}")
    for t in bulk["targets"]:
        print(f"  [{t['status']}] {t['name']:<90} {t['shown'] or '-'} (need {t['need']})")


if __name__ == "__main__":
    if sys.argv[1:] == ["sink"]:
        serve_sink()
    else:
        sys.exit(__doc__)
