"""Renders the soak benchmark's samples (one JSON-lines file per driver) as Markdown with a
verdict per driver, for ``bench/soak.sh``. Standard library only.

    python3 report.py --dir DIR --calls N --every N --concurrency N --command CMD --out FILE

A driver's RSS is **flat** when a least-squares line through the RSS samples of the second
half of the run (well after warm-up) rises by less than ``max(1 MiB, 2% of the RSS at 20%
of the calls)`` across that half; otherwise it is **growing**. (A quick run covers few
calls, so it can only catch fast growth.) Its open
file descriptors are **flat** when no sample after warm-up exceeds the highest count seen
up to warm-up by more than 2. Exit status 1 when a driver is missing, failed, made
unexpected calls (errors) or grew.
"""

import argparse
import json
import os
import platform
import sys
import time


def slope(points):
    """Least-squares slope of (x, y) points; 0 for fewer than two distinct x."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else 0.0


def analyse(samples, calls):
    """The figures and verdicts of one driver's samples."""
    first, last = samples[0], samples[-1]
    warm_at = 0.2 * calls
    warm_idx = next((i for i, s in enumerate(samples) if s["calls"] >= warm_at), len(samples) - 1)
    warm = samples[warm_idx]
    half = [s for s in samples if s["calls"] >= calls / 2]
    span = half[-1]["calls"] - half[0]["calls"] if half else 0
    rise = slope([(s["calls"], s["rssKb"]) for s in half]) * span
    allowed = max(1024.0, 0.02 * warm["rssKb"])
    rss_flat = rise < allowed
    fds_warm_peak = max(s["fds"] for s in samples[: warm_idx + 1])
    fds_after_peak = max(s["fds"] for s in samples[warm_idx:])
    fds_flat = fds_after_peak <= fds_warm_peak + 2
    return {
        "calls": last["calls"],
        "errors": last["errors"],
        "seconds": last["elapsed"],
        "rate": last["calls"] / last["elapsed"] if last["elapsed"] else 0.0,
        "rss": (first["rssKb"], warm["rssKb"], max(s["rssKb"] for s in samples), last["rssKb"]),
        "fds": (first["fds"], warm["fds"], max(s["fds"] for s in samples), last["fds"]),
        "rise": rise,
        "span": span,
        "allowed": allowed,
        "rss_flat": rss_flat,
        "fds_flat": fds_flat,
        "samples": len(samples),
    }


def mb(kb):
    return f"{kb / 1024:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--drivers", required=True, help="space-separated driver names, in order")
    ap.add_argument("--calls", type=int, required=True)
    ap.add_argument("--every", type=int, required=True)
    ap.add_argument("--concurrency", type=int, required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--total-seconds", type=int, default=0)
    a = ap.parse_args()

    labels = {
        "rust": "Rust core (async `Client`, tasks)",
        "c": "C (`libdescope_mgmt.so`, pthreads)",
        "python": "Python (`descope_mgmt.Client`, threads)",
        "node": "Node.js (`descope-mgmt`, promise chains)",
    }
    rows, problems, details = [], [], []
    for name in a.drivers.split():
        path = os.path.join(a.dir, f"{name}.jsonl")
        samples = []
        if os.path.exists(path):
            with open(path) as f:
                samples = [json.loads(line) for line in f if line.strip().startswith("{")]
        if not samples or not samples[-1].get("done"):
            problems.append(f"{name}: did not finish (see {os.path.join(a.dir, name + '.err')})")
            rows.append(f"| {labels.get(name, name)} | did not finish | | | | | |")
            continue
        r = analyse(samples, a.calls)
        verdict_rss = "flat" if r["rss_flat"] else "**growing**"
        verdict_fds = "flat" if r["fds_flat"] else "**growing**"
        if r["errors"]:
            problems.append(f"{name}: {r['errors']} unexpected outcomes")
        if not (r["rss_flat"] and r["fds_flat"]):
            problems.append(f"{name}: RSS {verdict_rss.strip('*')}, fds {verdict_fds.strip('*')}")
        s, w, p, e = r["rss"]
        fs, fw, fp, fe = r["fds"]
        rows.append(
            f"| {labels.get(name, name)} | {r['calls']:,} in {r['seconds']:.0f} s ({r['rate']:,.0f}/s), "
            f"{r['errors']} errors | {mb(s)} / {mb(w)} / {mb(p)} / {mb(e)} | "
            f"{r['rise'] / 1024:+.2f} over {r['span']:,} calls (limit {r['allowed'] / 1024:.2f}) | {verdict_rss} | "
            f"{fs} / {fw} / {fp} / {fe} | {verdict_fds} |"
        )
        curve = ", ".join(
            f"{smp['calls'] // 1000}k: {mb(smp['rssKb'])}/{smp['fds']}"
            for smp in samples[:: max(1, len(samples) // 10)]
            + ([samples[-1]] if len(samples) % 10 != 1 else [])
        )
        details.append(f"- {name} ({r['samples']} samples; calls: RSS MB/fds): {curve}")

    ok = not problems
    lines = [
        "# Soak benchmark",
        "",
        f"{a.calls:,} calls per language on **one client**, {a.concurrency} in flight, against the local",
        "emulator (release builds). Nine calls in ten rotate an access key (a new secret each time);",
        "one in ten rotates a key that does not exist, so an error object is made and freed too.",
        "Each driver samples its own RSS (`VmRSS`) and open file descriptors (`/proc/self/fd`)",
        f"every {a.every:,} calls (Python and Node after a full GC).",
        "",
        f"Command: `{a.command}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        + (f"; whole run {a.total_seconds} s (builds included)." if a.total_seconds else "."),
        "",
        "RSS in MB and fds as start (after one call) / warm (at 20% of the calls) / peak / end.",
        "The rise is that of a least-squares line through the RSS samples of the second half of",
        "the run; RSS is *flat* when it is below the limit (1 MB or 2% of the warm RSS). fds are",
        "*flat* when no sample after warm-up exceeds the warm-up peak by more than 2.",
        "",
        "| Driver | Calls | RSS MB start / warm / peak / end | RSS rise MB, 2nd half | RSS | fds start / warm / peak / end | fds |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"**Verdict: {'flat: no growth in memory or file descriptors over the run' if ok else 'PROBLEMS: ' + '; '.join(problems)}.**",
        "",
        "RSS and fds along the run (every tenth sample):",
        "",
        *details,
        "",
    ]
    with open(a.out, "w") as f:
        f.write("\n".join(lines))
    table = next(i for i, line in enumerate(lines) if line.startswith("| Driver"))
    print("\n".join(lines[table : table + len(rows) + 4]))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
