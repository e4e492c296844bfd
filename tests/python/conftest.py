"""Shared fixtures: one emulator per test session, started from its binary, plus small
helpers for its `/emulator/*` endpoints (stdlib only, loopback only)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The emulator is on 127.0.0.1: never route its admin calls through an environment proxy.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(autouse=True)
def _sigint_raises_keyboard_interrupt() -> Iterator[None]:
    """Gives every test Python's own Ctrl-C handler. A shell that starts the test run in the
    background (without job control) leaves SIGINT ignored, and then Python installs no
    handler: the tests that send SIGINT would see nothing happen."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.default_int_handler:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


REPO = Path(__file__).resolve().parents[2]
EMULATOR_BIN = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target") / "debug" / "descope-emulator"


class Emulator:
    """A running emulator and its admin endpoints."""

    def __init__(self, info: dict[str, Any], proc: subprocess.Popen[bytes]) -> None:
        self.info = info
        self.proc = proc
        self.url: str = info["url"]
        self.project_id: str = info["projectId"]
        self.management_key: str = info["managementKey"]
        self.seed_secrets = {k["id"]: k["secret"] for k in info["accessKeys"]}

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        with _NO_PROXY.open(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")

    def reset(self) -> None:
        self.request("POST", "/emulator/reset")

    def fault(self, faults: Any) -> None:
        self.request("POST", "/emulator/faults", faults)

    def count(self, path: str, method: str = "POST") -> int:
        query = urllib.parse.urlencode({"method": method, "path": path})
        return int(self.request("GET", f"/emulator/journal?{query}")["count"])

    def journal(self, path: str, method: str = "POST") -> list[dict[str, Any]]:
        query = urllib.parse.urlencode({"method": method, "path": path})
        return list(self.request("GET", f"/emulator/journal?{query}")["requests"])

    def secret_valid(self, key_id: str, secret: str) -> bool:
        return bool(
            self.request("POST", "/emulator/accesskeys/verify", {"id": key_id, "secret": secret})[
                "valid"
            ]
        )

    def tokens(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/emulator/outbound/tokens")["tokens"])

    def created_templates(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/emulator/templates")["created"])

    def client_kwargs(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "management_key": self.management_key,
            "base_url": self.url,
        }


def _ensure_binary() -> None:
    if EMULATOR_BIN.exists():
        return
    subprocess.run(
        ["cargo", "build", "-p", "descope-mgmt-emulator", "--bin", "descope-emulator"],
        cwd=REPO,
        check=True,
    )


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """Starts `descope-emulator --port 0` and reads its JSON first line."""
    _ensure_binary()
    proc = subprocess.Popen(
        [str(EMULATOR_BIN), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("descope-emulator exited without printing its JSON line")
        emu = Emulator(json.loads(line), proc)
        yield emu
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture()
def emu(emulator: Emulator) -> Emulator:
    """The session emulator, reset to its seed before the test."""
    emulator.reset()
    return emulator


@pytest.fixture(autouse=True)
def _no_descope_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests pass configuration explicitly unless they set the variables themselves."""
    for name in ("DESCOPE_PROJECT_ID", "DESCOPE_MANAGEMENT_KEY", "DESCOPE_BASE_URI"):
        monkeypatch.delenv(name, raising=False)


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("PYTHONFAULTHANDLER", "1")
