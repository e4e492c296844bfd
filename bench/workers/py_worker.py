"""Python worker of the benchmark harness: drives ``descope_mgmt`` or the official ``descope`` SDK.

Run by ``bench/harness.py`` with the bench venv's interpreter. The server and credentials come
from ``BENCH_URL``, ``BENCH_PROJECT_ID``, ``BENCH_MANAGEMENT_KEY`` and ``BENCH_KEY_ID``.

    py_worker.py serve CLIENT MODE      CLIENT: mgmt | descope; MODE: sync | async
    py_worker.py batch CLIENT COUNT     after a one-token warm-up upload, one upload of COUNT
                                        tokens (calls of at most 100,000), in this fresh
                                        process; CLIENT may also be `floor`: json.dumps +
                                        http.client, the least pure Python can do
    py_worker.py construct CLIENT COUNT median client construction time, then the time of
                                        the first rotate in the process, of the first on a
                                        second new client, and of the next one on it

``serve`` builds one client, then answers JSON commands read from stdin, one a line:
``{"op":"run","seconds":2,"concurrency":8}`` rotates the key from ``concurrency`` threads
(sync: all sharing the one client) or asyncio tasks (async) until ``seconds`` have passed and
answers ``{"calls","errors","firstError","elapsed","p50Ms","p99Ms"}``; ``{"op":"quit"}`` exits.
"""

import asyncio
import json
import math
import os
import resource
import sys
import threading
import time

URL = os.environ["BENCH_URL"]
PROJECT_ID = os.environ["BENCH_PROJECT_ID"]
MANAGEMENT_KEY = os.environ["BENCH_MANAGEMENT_KEY"]
KEY_ID = os.environ.get("BENCH_KEY_ID", "K2active2")
MAX_ERRORS = 100


def percentile(values, q):
    """Nearest-rank quantile ``q`` of ``values`` (sorted in place), 0 when empty."""
    if not values:
        return 0.0
    values.sort()
    rank = min(max(math.ceil(q * len(values)), 1), len(values))
    return values[rank - 1]


def make_client(client, mode):
    """A client of ``client`` (mgmt | descope) for ``mode`` (sync | async)."""
    if client == "mgmt":
        import descope_mgmt

        cls = descope_mgmt.Client if mode == "sync" else descope_mgmt.AsyncClient
        return cls(project_id=PROJECT_ID, management_key=MANAGEMENT_KEY, base_url=URL)
    import descope

    cls = descope.DescopeClient if mode == "sync" else descope.DescopeClientAsync
    return cls(project_id=PROJECT_ID, management_key=MANAGEMENT_KEY, base_url=URL)


def rotate_fn(client, c):
    """The bound rotate call of client object ``c``."""
    return c.rotate_access_key if client == "mgmt" else c.mgmt.access_key.rotate


def check_rotated(client, result):
    """Raises unless ``result`` is a rotated key (the SDK returns the body as a dict)."""
    if client == "descope" and not result.get("cleartext"):
        raise RuntimeError("rotate answered without a cleartext")


class Tally:
    """Latencies (ms) and errors of one run, merged from its threads or tasks."""

    def __init__(self):
        self.latencies = []
        self.errors = 0
        self.first_error = None
        self.lock = threading.Lock()

    def merge(self, latencies, errors, first_error):
        with self.lock:
            self.latencies.extend(latencies)
            self.errors += errors
            if self.first_error is None:
                self.first_error = first_error

    def reply(self, elapsed):
        lat = self.latencies
        return {
            "calls": len(lat),
            "errors": self.errors,
            "firstError": self.first_error,
            "elapsed": elapsed,
            "p50Ms": percentile(lat, 0.50),
            "p99Ms": percentile(lat, 0.99),
        }


def run_sync(client, rotate, seconds, threads):
    """``threads`` threads sharing one client, rotating until the deadline."""
    tally = Tally()
    barrier = threading.Barrier(threads + 1)
    deadline = [0.0]

    def loop():
        perf = time.perf_counter
        lat = []
        errors = 0
        first = None
        barrier.wait()
        end = deadline[0]
        while perf() < end and errors < MAX_ERRORS:
            t = perf()
            try:
                check_rotated(client, rotate(KEY_ID))
            except Exception as e:  # noqa: BLE001 - counted and reported
                errors += 1
                first = first or f"{type(e).__name__}: {e}"[:300]
                continue
            lat.append((perf() - t) * 1000.0)
        tally.merge(lat, errors, first)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for w in workers:
        w.start()
    start = time.perf_counter()
    deadline[0] = start + seconds
    barrier.wait()
    for w in workers:
        w.join()
    return tally.reply(time.perf_counter() - start)


async def run_async(client, rotate, seconds, tasks):
    """``tasks`` asyncio tasks sharing one client, rotating until the deadline."""
    tally = Tally()
    start = time.perf_counter()
    end = start + seconds

    async def loop():
        perf = time.perf_counter
        lat = []
        errors = 0
        first = None
        while perf() < end and errors < MAX_ERRORS:
            t = perf()
            try:
                check_rotated(client, await rotate(KEY_ID))
            except Exception as e:  # noqa: BLE001 - counted and reported
                errors += 1
                first = first or f"{type(e).__name__}: {e}"[:300]
                continue
            lat.append((perf() - t) * 1000.0)
        tally.merge(lat, errors, first)

    await asyncio.gather(*(loop() for _ in range(tasks)))
    return tally.reply(time.perf_counter() - start)


def serve(client, mode):
    loop = asyncio.new_event_loop() if mode == "async" else None
    if loop is not None:
        asyncio.set_event_loop(loop)

        async def build():  # some async clients want a running loop at construction
            return make_client(client, mode)

        c = loop.run_until_complete(build())
    else:
        c = make_client(client, mode)
    rotate = rotate_fn(client, c)
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        if cmd.get("op") == "quit":
            break
        if cmd.get("op") != "run":
            reply = {"error": f"unknown op {cmd.get('op')!r}"}
        else:
            seconds = float(cmd.get("seconds", 1.0))
            conc = max(int(cmd.get("concurrency", 1)), 1)
            if loop is None:
                reply = run_sync(client, rotate, seconds, conc)
            else:
                reply = loop.run_until_complete(run_async(client, rotate, seconds, conc))
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    if loop is not None:
        aclose = getattr(c, "aclose", None) or getattr(c, "close", None)
        if aclose is not None:
            try:
                res = aclose()
                if asyncio.iscoroutine(res):
                    loop.run_until_complete(res)
            except Exception:  # noqa: BLE001 - shutting down
                pass
        loop.close()


def tokens(count):
    """The same token list every worker uploads (wire camelCase dicts)."""
    return [
        {
            "appId": "google-drive" if i % 2 == 0 else "slack",
            "tenantId": f"T2bench{i:06d}",
            "refreshToken": f"rt-bench-{i:06d}-0123456789abcdef",
            "accessToken": f"at-bench-{i:06d}-0123456789abcdef0123456789abcdef",
            "accessTokenExpiry": 1767225600,
            "accessTokenType": "Bearer",
            "scopes": ["https://www.googleapis.com/auth/drive.readonly"],
        }
        for i in range(count)
    ]


def rss_kb(field):
    """A field of /proc/self/status in kB (VmRSS, VmHWM), 0 when unavailable."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


CHUNK = 100_000  # the most tokens one call takes (the core's MAX_BATCH_TOKENS)


def floor_upload():
    """json.dumps + http.client on one keep-alive connection: the pure-Python floor."""
    import http.client
    import urllib.parse

    u = urllib.parse.urlsplit(URL)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {PROJECT_ID}:{MANAGEMENT_KEY}"}

    def upload(items):
        body = json.dumps({"tokens": items}).encode()
        conn.request("POST", "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload", body, headers)
        resp = conn.getresponse()
        data = json.loads(resp.read())
        if resp.status != 200 or data.get("failures"):
            raise SystemExit(f"floor upload failed: {resp.status}")

    return upload


def batch(client, count):
    if client == "floor":
        upload = floor_upload()
    else:
        c = make_client(client, "sync")

        def upload(items):
            if client == "mgmt":
                c.batch_upload_tenant_tokens(items)
            else:
                result = c.mgmt.outbound_application.batch_upload_tenant_tokens(items)
                if result.get("failures"):
                    raise SystemExit(f"batch rejected: {result['failures'][:2]}")

    # Warm up (connection, license handshake, lazy set-up) so the timed call is the upload.
    upload([{"appId": "google-drive", "tenantId": "T2benchwarmup", "accessToken": "at-warm-up"}])
    items = tokens(count)
    chunks = [items[i : i + CHUNK] for i in range(0, count, CHUNK)]
    before = rss_kb("VmRSS:")
    cpu = time.process_time()  # user + sys of the whole process (every thread)
    t = time.perf_counter()
    for chunk in chunks:
        upload(chunk)
    wall = (time.perf_counter() - t) * 1000.0
    cpu_ms = (time.process_time() - cpu) * 1000.0
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    print(json.dumps({"count": count, "wallMs": wall, "cpuMs": cpu_ms, "maxRssKb": maxrss, "rssBeforeKb": before}))


def construct(client, count):
    make_client(client, "sync")  # load everything once: import cost is measured elsewhere
    times = []
    for _ in range(max(count, 1)):
        t = time.perf_counter()
        c = make_client(client, "sync")
        times.append((time.perf_counter() - t) * 1000.0)
        del c
    first = times[0]
    median = percentile(times, 0.5)

    def timed(c):
        rotate = rotate_fn(client, c)
        t = time.perf_counter()
        check_rotated(client, rotate(KEY_ID))
        return (time.perf_counter() - t) * 1000.0

    first_call = timed(make_client(client, "sync"))
    c = make_client(client, "sync")
    new_client_first_call = timed(c)
    warm_call = timed(c)
    print(json.dumps({"count": len(times), "medianMs": median, "firstMs": first, "firstCallMs": first_call,
                      "newClientFirstCallMs": new_client_first_call, "warmCallMs": warm_call}))


def main(argv):
    if len(argv) == 3 and argv[0] == "serve" and argv[1] in ("mgmt", "descope") and argv[2] in ("sync", "async"):
        serve(argv[1], argv[2])
    elif len(argv) == 3 and argv[0] == "batch" and argv[1] == "floor":
        batch("floor", int(argv[2]))
    elif len(argv) == 3 and argv[0] in ("batch", "construct") and argv[1] in ("mgmt", "descope"):
        (batch if argv[0] == "batch" else construct)(argv[1], int(argv[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
