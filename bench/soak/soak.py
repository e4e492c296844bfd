"""Python driver of the soak benchmark (``bench/soak.sh``): CALLS calls on one sync
``descope_mgmt.Client`` shared by CONCURRENCY threads, sampling this process's RSS and open
file descriptors (from ``/proc/self``) every EVERY calls.

    python soak.py CALLS EVERY CONCURRENCY    # BENCH_URL, BENCH_PROJECT_ID, BENCH_MANAGEMENT_KEY

Nine calls in ten rotate ``K2active2`` (must return a secret); one in ten rotates
``K2soakMissing`` (must raise ``NOT_FOUND``). Prints one JSON line per sample,
``{"calls","rssKb","fds","errors","elapsed"}``, the last with ``"done": true``.
"""

import gc
import itertools
import json
import os
import sys
import threading
import time

import descope_mgmt

KEY = "K2active2"
MISSING = "K2soakMissing"


def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fds():
    return len(os.listdir("/proc/self/fd"))


class State:
    def __init__(self):
        self.errors = 0
        self.first = None
        self.lock = threading.Lock()

    def bad(self, what):
        with self.lock:
            self.errors += 1
            if self.first is None:
                self.first = what
                print(f"soak(python): first unexpected outcome: {what}", file=sys.stderr)


def one(client, i, state):
    if i % 10 == 9:
        try:
            client.rotate_access_key(MISSING)
            state.bad("OK for a missing key")
        except descope_mgmt.DescopeError as e:
            if e.code != "NOT_FOUND":
                state.bad(e.code)
    else:
        try:
            if not client.rotate_access_key(KEY).cleartext:
                state.bad("empty secret")
        except descope_mgmt.DescopeError as e:
            state.bad(e.code)


def main():
    args = sys.argv[1:]
    calls, every, concurrency = (
        int(args[i]) if i < len(args) else d for i, d in enumerate((200000, 4000, 8))
    )
    client = descope_mgmt.Client(
        project_id=os.environ["BENCH_PROJECT_ID"],
        management_key=os.environ["BENCH_MANAGEMENT_KEY"],
        base_url=os.environ["BENCH_URL"],
    )
    state = State()
    start = time.monotonic()

    def sample(done, last=False):
        gc.collect()
        rec = {
            "calls": done,
            "rssKb": rss_kb(),
            "fds": fds(),
            "errors": state.errors,
            "elapsed": round(time.monotonic() - start, 3),
        }
        if last:
            rec = {"done": True, **rec}
        print(json.dumps(rec), flush=True)

    one(client, 0, state)
    sample(0)
    done = 0
    while done < calls:
        end = done + min(every, calls - done)
        counter = itertools.count(done)  # next() on a count is atomic under the GIL

        def worker(counter=counter, end=end):
            for i in counter:
                if i >= end:
                    return
                one(client, i, state)

        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        done = end
        sample(done, done >= calls)


if __name__ == "__main__":
    main()
