"""Hostile servers on 127.0.0.1: an error body that reflects the management key and the
call's tokens never brings them into the exception, a batch answer listing millions of
failures is a DECODE error without ballooning memory, and a rotate answer whose key
metadata drifted still hands back the new secret."""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import subprocess
import sys
import traceback
from typing import Any

import descope_mgmt as dm
import pytest
from hostile_server import HostileServer

PROJECT = "P2HostileProject000000000000"
KEY = "K2MgmtKeyDoNotLeak7f3a9c1e5b2d8406aa"
REFRESH = "rt-DoNotLeak-91c2e7a4b8f03d6e5a1"
ACCESS = "at-DoNotLeak-4e8a2c6f0b9d1357e2"
ID_TOKEN = "idt-DoNotLeak-0f1e2d3c4b5a6978"
SECRETS = {"management key": KEY, "refresh token": REFRESH, "access token": ACCESS, "id token": ID_TOKEN}
WINDOW = 12  # no run of this many characters of a secret may appear


def _reflection(request_headers: dict[str, str], body: bytes) -> str:
    return f"Authorization: {request_headers.get('authorization', '')} body: {body.decode(errors='replace')}"


def _json_error(status: int) -> Any:
    def handler(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        echo = _reflection(headers, body)
        answer = {"errorCode": "E011001", "errorDescription": "bad request: " + echo, "errorMessage": "echo " + echo}
        return status, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    return handler


def _html_page(status: int) -> Any:
    def handler(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        page = f"<html><head><title>Debug</title></head><body><h1>Error</h1><pre>{_reflection(headers, body)}</pre></body></html>"
        return status, {"Content-Type": "text/html"}, page.encode()

    return handler


SERVERS = {
    "json 400": _json_error(400),
    "json 401": _json_error(401),
    "json 503": _json_error(503),
    "html 500": _html_page(500),
    "html 200": _html_page(200),
}

CALLS: dict[str, Any] = {
    "rotate": lambda c: c.rotate_access_key("K2reflected"),
    "batch": lambda c: c.batch_upload_tenant_tokens(
        [dm.TenantToken("slack", "T2acme", refresh_token=REFRESH, access_token=ACCESS, id_token=ID_TOKEN)]
    ),
    "create": lambda c: c.create_dcr_template("reflected", description="d"),
}


def _texts(e: BaseException) -> dict[str, str]:
    """Every place a secret could surface from an exception, as text."""
    out = {
        "str": str(e),
        "repr": repr(e),
        "args": repr(e.args),
        "traceback": "".join(traceback.format_exception(type(e), e, e.__traceback__)),
        "pickle": pickle.dumps(e).decode("latin-1"),
    }
    for name, value in vars(e).items():
        out[f".{name}"] = repr(value)
    for name in ("message", "description", "server_message", "error_message", "descope_code", "error_code"):
        out[f".{name}"] = repr(getattr(e, name, None))
    return out


def _leaks(e: BaseException) -> list[str]:
    """`where: secret name` for every leak (never the secret itself)."""
    found = []
    for where, text in _texts(e).items():
        for name, secret in SECRETS.items():
            if any(secret[i : i + WINDOW] in text for i in range(len(secret) - WINDOW + 1)):
                found.append(f"{where}: {name}")
    return found


@pytest.mark.parametrize("server", list(SERVERS))
@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_reflected_secrets_never_reach_the_exception(server: str, call: str, mode: str) -> None:
    with HostileServer(SERVERS[server]) as hostile:
        kwargs: dict[str, Any] = {"base_url": hostile.url, "max_retries": 0, "timeout": 10.0}
        error: BaseException | None = None
        try:
            if mode == "sync":
                with dm.Client(PROJECT, KEY, **kwargs) as client:
                    CALLS[call](client)
            else:

                async def run() -> None:
                    async with dm.AsyncClient(PROJECT, KEY, **kwargs) as client:
                        await CALLS[call](client)

                asyncio.run(run())
        except dm.DescopeError as e:
            error = e
        assert hostile.posts() >= 1, "the call never reached the hostile server"
    assert error is not None, "the hostile answer was accepted as a success"
    leaks = _leaks(error)
    assert not leaks, f"{type(error).__name__} ({error.code}) shows secrets: {leaks}"


BOMB_SCRIPT = r"""
import json, os, resource, sys
import descope_mgmt as dm

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

client = dm.Client(os.environ["BOMB_PROJECT"], os.environ["BOMB_KEY"], base_url=sys.argv[1], max_retries=0)
token = dm.TenantToken("slack", "T2acme", refresh_token="rt")
before = peak_mb()
out = {"code": None, "failures": None}
try:
    client.batch_upload_tenant_tokens([token])
except dm.DescopeError as e:
    out = {"code": e.code, "failures": len(getattr(e, "failures", []))}
out["growth_mb"] = peak_mb() - before
print(json.dumps(out))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss units are KiB on Linux")
def test_a_batch_answer_with_millions_of_failures_is_decode_with_bounded_memory() -> None:
    failures = 2_000_000
    body = b'{"failures":[' + b",".join([b"{}"] * failures) + b"]}"
    assert len(body) < 16 * 1024 * 1024  # under the response cap: decoded, not refused for size

    def handler(method: str, path: str, headers: dict[str, str], _: bytes) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "application/json"}, body

    with HostileServer(handler) as hostile:
        env = {**os.environ, "BOMB_PROJECT": PROJECT, "BOMB_KEY": KEY}
        done = subprocess.run(
            [sys.executable, "-c", BOMB_SCRIPT, hostile.url],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, f"child failed (exit {done.returncode}): {done.stderr[-2000:]}"
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["code"] == "DECODE", out
    assert out["growth_mb"] < 64, f"peak RSS grew by {out['growth_mb']:.0f} MB"


DRIFTED_KEY = {
    "id": "K2drift",
    "name": "drifted",
    "roleNames": None,
    "createdTime": "2026-01-01",
    "expireTime": 1.5,
    "customClaims": [],
    "editable": "true",
}


def _rotate_answer(answer: dict[str, Any]) -> Any:
    def handler(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    return handler


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_rotate_answer_with_drifted_key_metadata_keeps_the_secret(mode: str) -> None:
    cleartext = "NewSecret-" + "x" * 54
    with HostileServer(_rotate_answer({"key": DRIFTED_KEY, "cleartext": cleartext})) as hostile:
        kwargs: dict[str, Any] = {"base_url": hostile.url, "max_retries": 0}
        if mode == "sync":
            rotated = dm.Client(PROJECT, KEY, **kwargs).rotate_access_key("K2drift")
        else:
            rotated = asyncio.run(dm.AsyncClient(PROJECT, KEY, **kwargs).rotate_access_key("K2drift"))
    assert rotated.cleartext == cleartext
    assert rotated.key.id == "K2drift" and rotated.key.role_names == []
    # Values of an unexpected shape are kept raw, not dropped.
    assert rotated.key.extra == {"createdTime": "2026-01-01", "expireTime": 1.5, "customClaims": [], "editable": "true"}


def test_a_rotate_answer_without_cleartext_is_decode_saying_the_key_was_probably_rotated() -> None:
    with HostileServer(_rotate_answer({"key": DRIFTED_KEY})) as hostile:
        with pytest.raises(dm.DecodeError) as info:
            dm.Client(PROJECT, KEY, base_url=hostile.url, max_retries=0).rotate_access_key("K2drift")
    assert "rotated" in str(info.value)
