"""Lifecycle scenarios for the Python binding: the interpreter ends (or forks, or gets
Ctrl-C) while calls are in flight. Run by tests/lifecycle/run.py with the interpreter
under test (a dev build's venv, or a venv holding the released wheel); it checks the exit
status and that nothing crashed. The client comes from DESCOPE_PROJECT_ID,
DESCOPE_MANAGEMENT_KEY and DESCOPE_BASE_URI (the emulator, answering slowly).

Usage: python python_scenarios.py SCENARIO | --list   (names and expected statuses)
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from typing import Callable

import descope_mgmt as dm

KEY_ID = "K2active"
TOKENS = [{"appId": "google-drive", "tenantId": "T1", "refreshToken": "r"}]


def spin_sync(client: dm.Client) -> None:
    while True:
        try:
            client.rotate_access_key(KEY_ID)
        except dm.DescopeError:
            pass


def start_sync_threads(n: int, daemon: bool = True) -> dm.Client:
    client = dm.Client()
    for _ in range(n):
        threading.Thread(target=spin_sync, args=(client,), daemon=daemon).start()
    return client


async def spin_async(client: dm.AsyncClient, calls: int = -1) -> None:
    while calls != 0:
        calls -= 1
        try:
            await client.rotate_access_key(KEY_ID)
        except dm.DescopeError:
            pass


def start_asyncio_thread(n: int) -> None:
    """A daemon thread running an event loop with n tasks mid-call."""

    async def main() -> None:
        client = dm.AsyncClient()
        await asyncio.gather(*(spin_async(client) for _ in range(n)))

    threading.Thread(target=asyncio.run, args=(main(),), daemon=True).start()


def exit_in_flight(sync_threads: int, asyncio_tasks: int, status: int | None = None) -> Callable[[], int]:
    """Main returns (or calls sys.exit(status)) while daemon threads are mid-call: blocking
    calls from `sync_threads` threads and `asyncio_tasks` tasks on a loop in another thread.
    With fast answers, threads come back from their calls while the interpreter finalizes
    (issue 20's repro is 8 sync threads)."""

    def scenario() -> int:
        if sync_threads:
            start_sync_threads(sync_threads)
        if asyncio_tasks:
            start_asyncio_thread(asyncio_tasks)
        time.sleep(0.7)
        if status is not None:
            sys.exit(status)
        return 0

    return scenario


def nondaemon_sync_exit() -> int:
    """Non-daemon threads: the interpreter waits for them, then exits cleanly."""
    client = dm.Client()
    done = []

    def three_calls() -> None:
        for _ in range(3):
            client.rotate_access_key(KEY_ID)
        done.append(1)

    for _ in range(4):
        threading.Thread(target=three_calls).start()
    time.sleep(0.1)
    print("main returns while non-daemon threads are mid-call", flush=True)
    return 0


def sys_exit_in_loop() -> int:
    """sys.exit inside a running event loop while other tasks are mid-call."""

    async def main() -> None:
        client = dm.AsyncClient()
        # Tasks that make a few calls each: a rotate already sent finishes even when
        # cancelled, so a task looping forever on rotates would keep asyncio.run waiting.
        for _ in range(16):
            asyncio.ensure_future(spin_async(client, calls=3))
        sync_client = dm.Client()
        threading.Thread(target=spin_sync, args=(sync_client,), daemon=True).start()
        await asyncio.sleep(0.5)
        sys.exit(4)

    asyncio.run(main())
    return 1


def fork_in_flight() -> int:
    """fork() while calls run in other threads; the child makes a call, the parent goes on."""
    client = start_sync_threads(4)
    time.sleep(0.3)
    pid = os.fork()
    if pid == 0:
        try:
            client.rotate_access_key(KEY_ID)
            dm.Client().batch_upload_tenant_tokens(TOKENS)
        except BaseException as e:  # noqa: BLE001 - the child reports any failure by status
            print(f"child: {type(e).__name__}", file=sys.stderr, flush=True)
            os._exit(21)
        sys.exit(0)  # a normal interpreter exit in the child
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        print(f"child ended with wait status {status}", file=sys.stderr)
        return 22
    client.rotate_access_key(KEY_ID)
    return 0


def ctrl_c() -> int:
    """Ctrl-C while the main thread is in a blocking call that is safe to repeat: the
    KeyboardInterrupt is raised and, uncaught, ends the process by SIGINT."""
    client = dm.Client()
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    client.batch_upload_tenant_tokens(TOKENS)
    return 23  # not reached: the upload is slow


def ctrl_c_after_send() -> int:
    """Ctrl-C during a rotate: the rotate finishes, InterruptedAfterSend carries the result."""
    client = dm.Client()
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        client.rotate_access_key(KEY_ID)
    except dm.InterruptedAfterSend as e:
        return 0 if isinstance(e.result, dm.RotatedAccessKey) else 24
    return 25


# name: (function, expected exit status, answers: "fast" or "slow" (400 ms per rotate))
SCENARIOS = {
    "daemon-sync-exit": (exit_in_flight(8, 0), 0, "fast"),
    "daemon-sync-exit-slow": (exit_in_flight(8, 0), 0, "slow"),
    "daemon-sync-sys-exit": (exit_in_flight(8, 0, status=3), 3, "fast"),
    "daemon-mixed-exit": (exit_in_flight(4, 8), 0, "fast"),
    "asyncio-thread-exit": (exit_in_flight(0, 16), 0, "fast"),
    "nondaemon-sync-exit": (nondaemon_sync_exit, 0, "slow"),
    "sys-exit-in-loop": (sys_exit_in_loop, 4, "slow"),
    "fork-in-flight": (fork_in_flight, 0, "fast"),
    "ctrl-c": (ctrl_c, -signal.SIGINT, "slow"),
    "ctrl-c-after-send": (ctrl_c_after_send, 0, "slow"),
}

if __name__ == "__main__":
    if sys.argv[1:] == ["--list"]:
        print("\n".join(f"{name} {rc} {speed}" for name, (_, rc, speed) in SCENARIOS.items()))
        sys.exit(0)
    if len(sys.argv) != 2 or sys.argv[1] not in SCENARIOS:
        print(f"usage: {sys.argv[0]} {'|'.join(SCENARIOS)}", file=sys.stderr)
        sys.exit(2)
    sys.exit(SCENARIOS[sys.argv[1]][0]())
