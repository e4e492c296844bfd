"""Cancelling a call, or pressing Ctrl-C during one, never loses an applied rotate or create.

Once the request may have reached the server, an asyncio cancellation (`task.cancel()`,
`asyncio.wait_for`, `asyncio.timeout`) is swallowed and the call's outcome delivered; Ctrl-C
in a blocking call lets it finish and raises `InterruptedAfterSend` carrying the result.
Before anything is sent (the license handshake is still running), both abort cleanly. The
batch upload, safe to repeat, is always aborted at once. Every test checks the emulator:
the rotation happened exactly once and the returned secret is the one the emulator holds.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import threading
import time
from typing import Any

import descope_mgmt as dm
import pytest
from conftest import Emulator

ROTATE = "/v1/mgmt/accesskey/rotate"
CREATE = "/v1/mgmt/resource/dynamic-registration-template/create"
BATCH = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"
LICENSE = "/v1/mgmt/license"
KEY = "K2active"
DELAY_MS = 1500
CANCEL_AFTER = 0.3
TOKEN = {"appId": "slack", "tenantId": "T2cancel", "refreshToken": "rt-cancel"}

posix_signals = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery differs on Windows")


def delay(emu: Emulator, path: str, ms: int = DELAY_MS, method: str = "POST", action: str = "delay") -> None:
    emu.fault({"method": method, "path": path, "action": action, "delayMs": ms})


def rotations(emu: Emulator, key_id: str) -> int:
    keys = emu.request("GET", "/emulator/accesskeys")["accessKeys"]
    return int(next(k["rotations"] for k in keys if k["id"] == key_id))


def assert_rotated_once_to(emu: Emulator, result: Any) -> None:
    """The emulator applied exactly one rotation and holds the secret we were given."""
    assert isinstance(result, dm.RotatedAccessKey), type(result).__name__
    assert result.key.id == KEY
    assert emu.count(ROTATE) == 1
    assert rotations(emu, KEY) == 1
    assert emu.secret_valid(KEY, result.cleartext), "the returned secret is not the key's current one"
    assert not emu.secret_valid(KEY, emu.seed_secrets[KEY])


def assert_not_rotated(emu: Emulator) -> None:
    assert emu.count(ROTATE) == 0
    assert rotations(emu, KEY) == 0
    assert emu.secret_valid(KEY, emu.seed_secrets[KEY])


# ----------------------------------------------------------------------------------------
# asyncio, after the request was sent


def test_task_cancel_after_send_returns_the_rotated_key(emu: Emulator) -> None:
    delay(emu, ROTATE)

    async def main() -> tuple[Any, float]:
        client = dm.AsyncClient(**emu.client_kwargs())
        task = asyncio.ensure_future(client.rotate_access_key(KEY))
        await asyncio.sleep(CANCEL_AFTER)
        t0 = time.monotonic()
        task.cancel()
        result = await task
        return result, time.monotonic() - t0

    result, waited = asyncio.run(main())
    assert waited > (DELAY_MS / 1000 - CANCEL_AFTER) * 0.8  # it waited for the answer
    assert_rotated_once_to(emu, result)


def test_wait_for_timeout_after_send_hands_back_the_rotated_key(emu: Emulator) -> None:
    delay(emu, ROTATE)

    async def main() -> Any:
        client = dm.AsyncClient(**emu.client_kwargs())
        return await asyncio.wait_for(client.rotate_access_key(KEY), CANCEL_AFTER)

    assert_rotated_once_to(emu, asyncio.run(main()))


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout is new in 3.11")
def test_asyncio_timeout_after_send_hands_back_the_rotated_key(emu: Emulator) -> None:
    delay(emu, ROTATE)

    async def main() -> Any:
        client = dm.AsyncClient(**emu.client_kwargs())
        result = None
        async with asyncio.timeout(CANCEL_AFTER):  # type: ignore[attr-defined]
            result = await client.rotate_access_key(KEY)
        # The task can still await afterwards: the swallowed cancellation left nothing behind.
        await asyncio.sleep(0.01)
        return result

    assert_rotated_once_to(emu, asyncio.run(main()))


def test_wait_for_timeout_after_send_hands_back_the_created_template(emu: Emulator) -> None:
    delay(emu, CREATE)

    async def main() -> Any:
        client = dm.AsyncClient(**emu.client_kwargs())
        return await asyncio.wait_for(client.create_dcr_template("cancelled-create"), CANCEL_AFTER)

    template = asyncio.run(main())
    assert isinstance(template, dm.DcrTemplate) and template.name == "cancelled-create"
    created = emu.created_templates()
    assert [(t["name"], t["id"]) for t in created] == [("cancelled-create", template.id)]
    assert emu.count(CREATE) == 1


def test_cancel_after_send_raises_the_calls_own_error(emu: Emulator) -> None:
    # Applied, then the connection drops: the outcome is unknown, and that is what the
    # caller learns; a plain CancelledError would hide that the key may be rotated.
    delay(emu, ROTATE, action="drop_after_apply")

    async def main() -> None:
        client = dm.AsyncClient(**emu.client_kwargs())
        task = asyncio.ensure_future(client.rotate_access_key(KEY))
        await asyncio.sleep(CANCEL_AFTER)
        task.cancel()
        await task

    with pytest.raises(dm.OutcomeUnknownError):
        asyncio.run(main())
    assert emu.count(ROTATE) == 1 and rotations(emu, KEY) == 1


def test_repeated_cancels_after_send_still_deliver(emu: Emulator) -> None:
    delay(emu, ROTATE)

    async def main() -> Any:
        client = dm.AsyncClient(**emu.client_kwargs())
        task = asyncio.ensure_future(client.rotate_access_key(KEY))
        await asyncio.sleep(CANCEL_AFTER)
        for _ in range(5):
            task.cancel()
            await asyncio.sleep(0.05)
        return await task

    assert_rotated_once_to(emu, asyncio.run(main()))


def test_asyncio_run_interrupted_by_ctrl_c_after_send_keeps_the_result(emu: Emulator) -> None:
    # asyncio.run turns Ctrl-C into a cancellation of the main task (3.11+): the call
    # still finishes and main() returns its result.
    delay(emu, ROTATE)

    async def main() -> Any:
        client = dm.AsyncClient(**emu.client_kwargs())
        asyncio.get_running_loop().call_later(CANCEL_AFTER, asyncio.current_task().cancel)  # type: ignore[union-attr]
        return await client.rotate_access_key(KEY)

    assert_rotated_once_to(emu, asyncio.run(main()))


def test_cancelling_at_random_moments_never_hides_an_applied_create(emu: Emulator) -> None:
    """Whatever the moment of the cancellation, a CancelledError means nothing was created,
    and a returned template is exactly the one the emulator created."""
    rng = random.Random(10)

    async def one(client: dm.AsyncClient, name: str) -> tuple[str, Any]:
        task = asyncio.ensure_future(client.create_dcr_template(name))
        pause = rng.choice([None, 0, 0.0002, 0.0005, 0.001, 0.002, 0.004])
        if pause is not None:  # None: cancelled before the call even started
            await asyncio.sleep(pause)
        task.cancel()
        try:
            return "ok", await task
        except asyncio.CancelledError:
            return "cancelled", None

    async def main() -> list[tuple[str, str, Any]]:
        shared = dm.AsyncClient(**emu.client_kwargs())
        out = []
        for i in range(80):
            # A fresh client first runs the license handshake (nothing sent yet), a shared
            # one goes straight to the request: both windows get cancellations.
            client = shared if i % 2 else dm.AsyncClient(**emu.client_kwargs())
            kind, value = await one(client, f"race-{i}")
            out.append((f"race-{i}", kind, value))
        return out

    results = asyncio.run(main())
    created = {t["name"]: t["id"] for t in emu.created_templates()}
    for name, kind, value in results:
        if kind == "cancelled":
            assert name not in created, f"{name}: CancelledError although the template was created"
        else:
            assert created.get(name) == value.id, f"{name}: returned template is not the created one"
    kinds = {kind for _, kind, _ in results}
    assert kinds == {"ok", "cancelled"}, kinds  # both paths were exercised


# ----------------------------------------------------------------------------------------
# asyncio, before anything was sent (the license handshake is still running)


def test_cancel_before_send_aborts_cleanly(emu: Emulator) -> None:
    delay(emu, LICENSE, ms=3000, method="GET")

    async def main() -> float:
        client = dm.AsyncClient(**emu.client_kwargs())  # fresh: its first call fetches the license
        task = asyncio.ensure_future(client.rotate_access_key(KEY))
        await asyncio.sleep(CANCEL_AFTER)
        t0 = time.monotonic()
        task.cancel("stop it")
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - t0

    assert asyncio.run(main()) < 0.5
    assert_not_rotated(emu)


def test_wait_for_before_send_times_out_and_sends_nothing(emu: Emulator) -> None:
    delay(emu, LICENSE, ms=3000, method="GET")

    async def main() -> None:
        client = dm.AsyncClient(**emu.client_kwargs())
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.create_dcr_template("never"), CANCEL_AFTER)

    asyncio.run(main())
    assert emu.count(CREATE) == 0 and emu.created_templates() == []


def test_batch_upload_is_aborted_at_once_even_after_send(emu: Emulator) -> None:
    delay(emu, BATCH)

    async def main() -> float:
        client = dm.AsyncClient(**emu.client_kwargs())
        task = asyncio.ensure_future(client.batch_upload_tenant_tokens([TOKEN]))
        await asyncio.sleep(CANCEL_AFTER)
        t0 = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - t0

    assert asyncio.run(main()) < 0.5


# ----------------------------------------------------------------------------------------
# Blocking client and Ctrl-C (a real SIGINT to this process)


def _sigint_after(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


@posix_signals
def test_ctrl_c_after_send_finishes_the_rotate_and_carries_its_result(emu: Emulator) -> None:
    client = dm.Client(**emu.client_kwargs())
    delay(emu, ROTATE)
    timer = _sigint_after(CANCEL_AFTER)
    t0 = time.monotonic()
    with pytest.raises(dm.InterruptedAfterSend) as info:
        client.rotate_access_key(KEY)
    timer.join()
    assert time.monotonic() - t0 > DELAY_MS / 1000 * 0.8  # it waited for the answer
    e = info.value
    assert isinstance(e, KeyboardInterrupt)
    assert e.call == "rotate_access_key" and e.error is None
    assert_rotated_once_to(emu, e.result)
    secret = e.result.cleartext
    assert secret not in str(e) and secret not in repr(e) and secret not in repr(e.args)


@posix_signals
def test_ctrl_c_after_send_carries_the_calls_error(emu: Emulator) -> None:
    client = dm.Client(**emu.client_kwargs())
    delay(emu, ROTATE, action="drop_after_apply")
    timer = _sigint_after(CANCEL_AFTER)
    with pytest.raises(dm.InterruptedAfterSend) as info:
        client.rotate_access_key(KEY)
    timer.join()
    assert info.value.result is None
    assert isinstance(info.value.error, dm.OutcomeUnknownError)
    assert rotations(emu, KEY) == 1


@posix_signals
def test_ctrl_c_after_send_finishes_a_create(emu: Emulator) -> None:
    client = dm.Client(**emu.client_kwargs())
    delay(emu, CREATE)
    timer = _sigint_after(CANCEL_AFTER)
    with pytest.raises(dm.InterruptedAfterSend) as info:
        client.create_dcr_template("interrupted-create")
    timer.join()
    template = info.value.result
    assert isinstance(template, dm.DcrTemplate)
    assert [(t["name"], t["id"]) for t in emu.created_templates()] == [("interrupted-create", template.id)]


@posix_signals
def test_ctrl_c_before_send_is_a_plain_keyboard_interrupt(emu: Emulator) -> None:
    client = dm.Client(**emu.client_kwargs())
    delay(emu, LICENSE, ms=3000, method="GET")
    timer = _sigint_after(CANCEL_AFTER)
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt) as info:
        client.rotate_access_key(KEY)
    timer.join()
    assert time.monotonic() - t0 < 1.5
    assert not isinstance(info.value, dm.InterruptedAfterSend)
    assert_not_rotated(emu)


def test_interrupted_after_send_pickles_with_its_result() -> None:
    import pickle

    result = dm.RotatedAccessKey.from_dict({"key": {"id": "K2x"}, "cleartext": "s3cr3t-cleartext"})
    e = dm.InterruptedAfterSend("rotate_access_key", result=result)
    back = pickle.loads(pickle.dumps(e))
    assert isinstance(back, dm.InterruptedAfterSend) and back.result == result and back.error is None
    assert "s3cr3t" not in str(e) + repr(e)
