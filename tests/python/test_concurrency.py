"""The GIL is released during network waits, the asyncio loop keeps running during async
calls, Ctrl-C interrupts a blocking call, and a client works in a forked child."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time

import descope_mgmt as dm
import pytest
from conftest import Emulator

ROTATE = "/v1/mgmt/accesskey/rotate"
DELAY_MS = 1500


def slow_rotate(emu: Emulator) -> None:
    emu.fault({"method": "POST", "path": ROTATE, "action": "delay", "delayMs": DELAY_MS})


def test_gil_is_released_during_a_blocking_call(emu: Emulator) -> None:
    client = dm.Client(**emu.client_kwargs())
    slow_rotate(emu)
    stamps: list[float] = []
    stop = threading.Event()

    def spin() -> None:
        # Pure-Python busy work: it can only run while this thread holds the GIL.
        n = 0
        while not stop.is_set():
            n += 1
            if n % 1000 == 0:
                stamps.append(time.monotonic())

    worker = threading.Thread(target=spin)
    worker.start()
    try:
        t0 = time.monotonic()
        result = client.rotate_access_key("K2active")
        t1 = time.monotonic()
    finally:
        stop.set()
        worker.join()
    assert result.key.id == "K2active"
    assert t1 - t0 >= DELAY_MS / 1000 * 0.9
    # The worker made progress throughout the middle of the call.
    middle = [s for s in stamps if t0 + 0.3 < s < t1 - 0.3]
    assert len(middle) > 100, f"only {len(middle)} progress marks while the call waited"
    window = (t1 - t0) - 0.6
    buckets = {int((s - t0 - 0.3) / (window / 4)) for s in middle}
    assert len(buckets) >= 3, "worker progress was not spread over the call"


def test_many_threads_share_one_client(emu: Emulator) -> None:
    client = dm.Client(**emu.client_kwargs())
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            client.create_dcr_template(f"threaded-{i}")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert len(emu.created_templates()) == 8


def test_event_loop_keeps_running_during_an_async_call(emu: Emulator) -> None:
    slow_rotate(emu)

    async def main() -> tuple[int, float, dm.RotatedAccessKey]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                await asyncio.sleep(0.02)
                ticks += 1

        async with dm.AsyncClient(**emu.client_kwargs()) as client:
            task = asyncio.create_task(ticker())
            t0 = time.monotonic()
            result = await client.rotate_access_key("K2active")
            elapsed = time.monotonic() - t0
            done.set()
            await task
        return ticks, elapsed, result

    ticks, elapsed, result = asyncio.run(main())
    assert result.key.id == "K2active"
    assert elapsed >= DELAY_MS / 1000 * 0.9
    # ~75 ticks of 20 ms fit in 1.5 s; demand a clear majority.
    assert ticks >= 30, f"the event loop ticked only {ticks} times during the call"


def test_async_calls_run_concurrently_and_are_real_coroutines(emu: Emulator) -> None:
    async def main() -> float:
        client = dm.AsyncClient(**emu.client_kwargs())
        for _ in range(3):
            emu.fault({"method": "POST", "path": ROTATE, "action": "delay", "delayMs": 800})
        coros = [client.rotate_access_key(k) for k in ("K2active", "K2active2", "K2active")]
        assert all(asyncio.iscoroutine(c) for c in coros)
        t0 = time.monotonic()
        results = await asyncio.gather(*[asyncio.create_task(c) for c in coros], return_exceptions=True)
        assert [r.key.id for r in results if isinstance(r, dm.RotatedAccessKey)] == [
            "K2active",
            "K2active2",
            "K2active",
        ]
        return time.monotonic() - t0

    assert asyncio.run(main()) < 2.0  # three 0.8 s calls overlapped


BATCH = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"
TOKEN = {"appId": "slack", "tenantId": "T2acme", "refreshToken": "rt"}


def slow_batch(emu: Emulator, ms: int = DELAY_MS) -> None:
    emu.fault({"method": "POST", "path": BATCH, "action": "delay", "delayMs": ms})


def test_async_cancellation(emu: Emulator) -> None:
    # The batch upload is safe to repeat, so a timeout aborts it (a rotate or create that
    # was sent finishes instead: see test_cancellation.py).
    slow_batch(emu)

    async def main() -> None:
        client = dm.AsyncClient(**emu.client_kwargs())
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.batch_upload_tenant_tokens([TOKEN]), 0.2)
        # The client is still usable afterwards.
        r = await client.rotate_access_key("K2active2")
        assert r.key.id == "K2active2"

    asyncio.run(main())


def test_cancelling_a_task_is_clean_and_reports_nothing_to_the_loop(emu: Emulator) -> None:
    slow_batch(emu)

    async def main() -> list[dict[str, object]]:
        loop = asyncio.get_running_loop()
        reported: list[dict[str, object]] = []
        loop.set_exception_handler(lambda _loop, ctx: reported.append(ctx))
        client = dm.AsyncClient(**emu.client_kwargs())
        task = asyncio.ensure_future(client.batch_upload_tenant_tokens([TOKEN]))
        await asyncio.sleep(0.2)
        t0 = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - t0 < 0.5
        # An un-awaited call and a call closed after starting do nothing and leak nothing.
        client.batch_upload_tenant_tokens([TOKEN])
        started = client.batch_upload_tenant_tokens([TOKEN])
        started.send(None)
        started.close()
        # Let any late outcome of the aborted calls reach the loop.
        await asyncio.sleep(0.1)
        assert (await client.rotate_access_key("K2active2")).key.id == "K2active2"
        return reported

    assert asyncio.run(main()) == []


def test_many_concurrent_async_calls_all_settle(emu: Emulator) -> None:
    async def main() -> None:
        client = dm.AsyncClient(**emu.client_kwargs())
        names = [f"many-{i}" for i in range(200)]
        results = await asyncio.gather(*(client.create_dcr_template(n) for n in names))
        assert [t.name for t in results] == names
        errors = await asyncio.gather(
            *(client.rotate_access_key("K2nope") for _ in range(50)), return_exceptions=True
        )
        assert all(isinstance(e, dm.NotFoundError) for e in errors)

    asyncio.run(main())


def test_async_calls_on_loops_in_several_threads(emu: Emulator) -> None:
    client = dm.AsyncClient(**emu.client_kwargs())
    failures: list[BaseException] = []

    async def work(i: int) -> None:
        for j in range(10):
            t = await client.create_dcr_template(f"thread-{i}-{j}")
            assert t.name == f"thread-{i}-{j}"

    def run(i: int) -> None:
        try:
            asyncio.run(work(i))
        except BaseException as e:  # pragma: no cover - reported below
            failures.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures
    assert len(emu.created_templates()) == 40


def test_a_call_needs_a_running_loop_and_is_awaited_once(emu: Emulator) -> None:
    client = dm.AsyncClient(**emu.client_kwargs())
    call = client.rotate_access_key("K2active")
    with pytest.raises(RuntimeError, match="no running event loop"):
        call.send(None)

    async def twice() -> None:
        c = client.rotate_access_key("K2active")
        await c
        with pytest.raises(RuntimeError):
            await c

    asyncio.run(twice())


def test_a_closed_async_client_raises_from_await(emu: Emulator) -> None:
    client = dm.AsyncClient(**emu.client_kwargs())
    client.close()
    call = client.rotate_access_key("K2active")  # no error yet
    with pytest.raises(dm.ConfigError):
        asyncio.run(call)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_event_loops_do_not_leak_file_descriptors(emu: Emulator) -> None:
    import gc

    client = dm.AsyncClient(**emu.client_kwargs())

    def one_loop() -> None:
        assert asyncio.run(client.rotate_access_key("K2active")).key.id == "K2active"

    one_loop()
    gc.collect()
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(30):
        one_loop()
        gc.collect()
    after = len(os.listdir("/proc/self/fd"))
    assert after - before <= 3, f"{after - before} file descriptors leaked over 30 event loops"


def test_async_errors_are_raised_from_await(emu: Emulator) -> None:
    async def main() -> None:
        client = dm.AsyncClient(**emu.client_kwargs())
        with pytest.raises(dm.NotFoundError):
            await client.rotate_access_key("K2nope")
        with pytest.raises(dm.InvalidArgumentError):
            await client.batch_upload_tenant_tokens([])
        with pytest.raises(TypeError):
            await client.rotate_access_key(None)  # type: ignore[arg-type]

    asyncio.run(main())


def test_asyncio_run_accepts_a_call_directly(emu: Emulator) -> None:
    client = dm.AsyncClient(**emu.client_kwargs())
    r = asyncio.run(client.rotate_access_key("K2active"))
    assert r.key.id == "K2active"
    # A second loop works too (the runtime is not tied to a loop).
    t = asyncio.run(client.create_dcr_template("after-loop"))
    assert t.name == "after-loop"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery differs on Windows")
def test_ctrl_c_interrupts_a_blocking_call(emu: Emulator) -> None:
    # The batch upload is safe to repeat: Ctrl-C abandons it at once (a rotate or create
    # that was sent finishes first: see test_cancellation.py).
    client = dm.Client(**emu.client_kwargs())
    slow_batch(emu, 5000)
    timer = threading.Timer(0.3, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt) as info:
        client.batch_upload_tenant_tokens([TOKEN])
    assert not isinstance(info.value, dm.InterruptedAfterSend)
    assert time.monotonic() - t0 < 2.0
    timer.join()


def _run_in_child(fn_name: str, emu: Emulator, timeout: float = 20.0) -> int:
    """Forks; the child runs the named scenario and exits 0 on success. A child that does
    not finish within `timeout` is killed, so a hang fails the test instead of CI."""
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            code = CHILD_SCENARIOS[fn_name](emu)
        except BaseException as e:  # noqa: BLE001
            print(f"child failed: {e!r}", file=sys.stderr)
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"forked child hung for {timeout} s")


def _child_sync(emu: Emulator) -> int:
    r = PARENT_CLIENT[0].rotate_access_key("K2active2")
    return 0 if r.key.id == "K2active2" and r.cleartext else 2


def _child_async(emu: Emulator) -> int:
    r = asyncio.run(PARENT_ASYNC[0].create_dcr_template("from-child"))
    return 0 if r.name == "from-child" else 3


def _child_same_loop(emu: Emulator) -> int:
    loop = PARENT_LOOP[0]
    r = loop.run_until_complete(asyncio.wait_for(PARENT_ASYNC[0].rotate_access_key("K2active2"), 10))
    return 0 if r.key.id == "K2active2" else 4


CHILD_SCENARIOS = {"sync": _child_sync, "async": _child_async, "same_loop": _child_same_loop}
PARENT_CLIENT: list[dm.Client] = []
PARENT_ASYNC: list[dm.AsyncClient] = []
PARENT_LOOP: list[asyncio.AbstractEventLoop] = []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_clients_work_in_a_forked_child(emu: Emulator) -> None:
    client = dm.Client(**emu.client_kwargs())
    aclient = dm.AsyncClient(**emu.client_kwargs())
    # Use both in the parent first so the runtime, its threads and the pools exist.
    assert client.rotate_access_key("K2active").key.id == "K2active"
    assert asyncio.run(aclient.create_dcr_template("in-parent")).name == "in-parent"
    PARENT_CLIENT[:] = [client]
    PARENT_ASYNC[:] = [aclient]
    assert _run_in_child("sync", emu) == 0
    assert _run_in_child("async", emu) == 0
    # The parent is unaffected.
    assert client.rotate_access_key("K2active").key.id == "K2active"
    names = [t["name"] for t in emu.created_templates()]
    assert names == ["in-parent", "from-child"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_an_event_loop_used_on_both_sides_of_a_fork_keeps_working_in_the_parent(emu: Emulator) -> None:
    aclient = dm.AsyncClient(**emu.client_kwargs())
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(aclient.rotate_access_key("K2active")).key.id == "K2active"
        PARENT_ASYNC[:] = [aclient]
        PARENT_LOOP[:] = [loop]
        assert _run_in_child("same_loop", emu) == 0
        r = loop.run_until_complete(asyncio.wait_for(aclient.rotate_access_key("K2active"), 10))
        assert r.key.id == "K2active"
    finally:
        loop.close()


EXIT_SCENARIO = """
import asyncio, sys, descope_mgmt as dm
kw = dict(project_id=sys.argv[1], base_url=sys.argv[2])  # the key comes from DESCOPE_MANAGEMENT_KEY
async def main():
    c = dm.AsyncClient(**kw)
    calls = [c.rotate_access_key("K2active") for _ in range(4)]
    calls += [c.create_dcr_template("exit-%s-%d" % (sys.argv[3], i)) for i in range(4)]
    await asyncio.gather(*calls)
    asyncio.ensure_future(c.rotate_access_key("K2active2"))  # still in flight at exit
    await asyncio.sleep(0)
asyncio.run(main())
"""


def test_interpreter_exit_right_after_async_calls_is_clean(emu: Emulator) -> None:
    """Runtime threads must never call into Python while it finalizes (that used to
    crash the process now and then at exit)."""
    import subprocess

    for i in range(12):
        r = subprocess.run(
            [sys.executable, "-c", EXIT_SCENARIO, emu.project_id, emu.url, str(i)],
            env={**os.environ, "DESCOPE_MANAGEMENT_KEY": emu.management_key},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, f"run {i}: exit code {r.returncode}\n{r.stderr}"
