"""Test helpers: the local Descope Management API emulator, one line away in your own tests.

::

    from descope_mgmt import OutcomeUnknownError
    from descope_mgmt.testing import ROTATE_ACCESS_KEY, emulator

    with emulator() as emu:
        emu.fault("POST", ROTATE_ACCESS_KEY, "drop_after_apply")
        try:
            emu.client().rotate_access_key("K2active")
        except OutcomeUnknownError:
            ...  # the code under test must check before it retries
        assert len(emu.journal("POST", ROTATE_ACCESS_KEY)) == 1

:func:`emulator` starts the emulator binary on a free port of 127.0.0.1 and stops it on exit.
The released wheels bundle the binary (the ``descope-emulator`` command); elsewhere set
``DESCOPE_EMULATOR_BIN`` to one (``cargo build -p descope-mgmt-emulator`` in a checkout).

With pytest, the ``descope_emulator`` fixture (registered through the package's ``pytest11``
entry point, :mod:`descope_mgmt.pytest_plugin`) gives each test the session's emulator, reset
to its seed. Standard library only; nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from descope_mgmt import AsyncClient, Client

__all__ = [
    "BATCH_UPLOAD_TENANT_TOKENS",
    "CREATE_DCR_TEMPLATE",
    "EMULATOR_BIN_ENV",
    "ROTATE_ACCESS_KEY",
    "Emulator",
    "EmulatorError",
    "emulator",
    "emulator_binary",
    "start_emulator",
]

#: Request path of :meth:`Client.rotate_access_key`, for :meth:`Emulator.fault` and :meth:`Emulator.journal`.
ROTATE_ACCESS_KEY = "/v1/mgmt/accesskey/rotate"
#: Request path of :meth:`Client.batch_upload_tenant_tokens`.
BATCH_UPLOAD_TENANT_TOKENS = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"
#: Request path of :meth:`Client.create_dcr_template`.
CREATE_DCR_TEMPLATE = "/v1/mgmt/resource/dynamic-registration-template/create"
#: Environment variable naming the emulator binary to run instead of the bundled one.
EMULATOR_BIN_ENV = "DESCOPE_EMULATOR_BIN"

# The emulator is on 127.0.0.1: never route its calls through an environment proxy.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EmulatorError(RuntimeError):
    """The emulator could not be found or started, or refused an ``/emulator/*`` request."""


def emulator_binary(binary: str | os.PathLike[str] | None = None) -> Path:
    """The emulator executable :func:`emulator` runs: ``binary`` if given, else
    ``$DESCOPE_EMULATOR_BIN``, else the one bundled in the wheel. Raises :class:`EmulatorError`
    saying how to get one when there is none."""
    if binary is not None:
        return Path(binary)
    from_env = os.environ.get(EMULATOR_BIN_ENV)
    if from_env:
        return Path(from_env)
    from descope_mgmt._emulator import binary_path

    bundled = binary_path()
    if bundled.is_file():
        return bundled
    raise EmulatorError(
        "descope_mgmt.testing: this installation of descope_mgmt has no bundled emulator (only the "
        f"released wheels carry it). Set {EMULATOR_BIN_ENV} to a descope-emulator binary (in a "
        "checkout: cargo build -p descope-mgmt-emulator, then target/debug/descope-emulator)."
    )


class Emulator:
    """A running emulator: where it is, clients for it, fault injection and the request journal.

    ``info`` is the emulator's first stdout line (``url``, ``projectId``, ``managementKey``,
    ``accessKeys`` with their seed secrets, ``outboundApps``, ``templates``).
    """

    def __init__(self, process: subprocess.Popen[bytes], info: Mapping[str, Any], binary: Path) -> None:
        self.process = process
        self.info: dict[str, Any] = dict(info)
        self.binary = binary
        self.base_url: str = info["url"]
        self.project_id: str = info["projectId"]
        self.management_key: str = info["managementKey"]
        #: Seeded access key ids and their secrets at the last reset (``K2active``, ...).
        self.access_keys: dict[str, str] = {k["id"]: k["secret"] for k in info.get("accessKeys", [])}

    def __repr__(self) -> str:
        return f"<descope_mgmt.testing.Emulator {self.base_url} project {self.project_id}>"

    def env(self) -> dict[str, str]:
        """``DESCOPE_BASE_URI``, ``DESCOPE_PROJECT_ID`` and ``DESCOPE_MANAGEMENT_KEY`` for this
        emulator, e.g. for ``subprocess.run(..., env={**os.environ, **emu.env()})``."""
        return {
            "DESCOPE_BASE_URI": self.base_url,
            "DESCOPE_PROJECT_ID": self.project_id,
            "DESCOPE_MANAGEMENT_KEY": self.management_key,
        }

    def client(self, **options: Any) -> Client:
        """A :class:`descope_mgmt.Client` for this emulator; ``options`` are Client's keyword
        arguments (``timeout``, ``max_retries``, ...)."""
        return Client(self.project_id, self.management_key, base_url=self.base_url, **options)

    def async_client(self, **options: Any) -> AsyncClient:
        """A :class:`descope_mgmt.AsyncClient` for this emulator."""
        return AsyncClient(self.project_id, self.management_key, base_url=self.base_url, **options)

    def fault(
        self,
        method: str | None,
        path: str,
        action: Literal[
            "respond", "delay", "drop_before_apply", "drop_after_apply", "malformed_body", "oversized_body"
        ] = "respond",
        *,
        status: int | None = None,
        delay_ms: int | None = None,
        times: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: str | None = None,
    ) -> int:
        """Queues a fault for the next ``times`` (default 1) requests to ``method`` (``None``:
        any) ``path``; returns the number of fault entries now queued. ``action``
        (emulator/README.md, "Faults"): ``respond`` answers ``status`` (default 503) with
        ``headers`` and raw ``body`` without handling the request; ``delay`` waits ``delay_ms``,
        then handles it; ``drop_before_apply`` / ``drop_after_apply`` close the connection
        without a response byte before / after applying it; ``malformed_body`` and
        ``oversized_body`` apply it, then answer a truncated / too large (~17 MiB) body.
        ``delay_ms`` also delays any other action."""
        fault: dict[str, Any] = {"path": path, "action": action}
        if method is not None:
            fault["method"] = method
        for key, value in (
            ("status", status),
            ("delayMs", delay_ms),
            ("times", times),
            ("headers", None if headers is None else dict(headers)),
            ("body", body),
        ):
            if value is not None:
                fault[key] = value
        return int(self._request("POST", "/emulator/faults", fault)["queued"])

    def clear_faults(self) -> None:
        """Removes every queued fault."""
        self._request("DELETE", "/emulator/faults")

    def journal(self, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        """The requests the emulator received (``/emulator/*`` excluded), oldest first, each
        ``{"method", "path", "query"?, "headers", "body", "ts"}``; filtered by ``method`` and
        ``path`` when given."""
        query = {k: v for k, v in (("method", method), ("path", path)) if v is not None}
        suffix = "?" + urllib.parse.urlencode(query) if query else ""
        return list(self._request("GET", "/emulator/journal" + suffix)["requests"])

    def reset(self) -> None:
        """Restores the seed (access keys, secrets, tokens, templates) and clears the faults
        and the journal."""
        self._request("POST", "/emulator/reset")

    def secret_valid(self, key_id: str, secret: str) -> bool:
        """Whether ``secret`` is the current secret of access key ``key_id``."""
        return bool(self._request("POST", "/emulator/accesskeys/verify", {"id": key_id, "secret": secret})["valid"])

    def tokens(self, app_id: str | None = None, tenant_id: str | None = None) -> list[dict[str, Any]]:
        """The tenant tokens stored so far (as uploaded), optionally filtered."""
        query = {k: v for k, v in (("appId", app_id), ("tenantId", tenant_id)) if v is not None}
        suffix = "?" + urllib.parse.urlencode(query) if query else ""
        return list(self._request("GET", "/emulator/outbound/tokens" + suffix)["tokens"])

    def templates(self) -> list[dict[str, Any]]:
        """The templates created through the API since the last reset."""
        return list(self._request("GET", "/emulator/templates")["created"])

    def stop(self) -> None:
        """Stops the emulator (SIGTERM, then SIGKILL after 10 s). Idempotent."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        try:
            with _NO_PROXY.open(req, timeout=30) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            text = err.read()[:300].decode("utf-8", "replace")
            raise EmulatorError(f"{method} {path}: HTTP {err.code} {text}") from None


def start_emulator(
    *,
    binary: str | os.PathLike[str] | None = None,
    seed: str | os.PathLike[str] | None = None,
    startup_timeout: float = 30.0,
) -> Emulator:
    """Starts an emulator on a free port of 127.0.0.1 and returns it once it serves; call
    :meth:`Emulator.stop` when done (or use :func:`emulator`). ``seed`` is a JSON seed file
    (emulator/README.md, "Seed"); ``binary`` as for :func:`emulator_binary`."""
    exe = emulator_binary(binary)
    args = [str(exe), "--port", "0"]
    if seed is not None:
        args += ["--seed", os.fspath(seed)]
    with tempfile.TemporaryFile() as stderr:
        try:
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr)
        except OSError as err:
            raise EmulatorError(f"descope_mgmt.testing: cannot run the emulator {exe}: {err}") from None
        first: list[bytes] = []
        assert proc.stdout is not None
        stdout = proc.stdout
        reader = threading.Thread(target=lambda: first.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(startup_timeout)
        line = first[0] if first else b""
        try:
            info = json.loads(line)
            if not isinstance(info, dict) or "url" not in info:
                raise ValueError("not the emulator's JSON line")
        except ValueError:
            proc.kill()
            proc.wait()
            stdout.close()
            stderr.seek(0)
            detail = stderr.read()[-2000:].decode("utf-8", "replace").strip()
            what = f"did not start within {startup_timeout:g} s" if not first else f"exited with status {proc.returncode}"
            raise EmulatorError(
                f"descope_mgmt.testing: the emulator {exe} {what}" + (f": {detail}" if detail else "")
            ) from None
    return Emulator(proc, info, exe)


@contextmanager
def emulator(
    *,
    binary: str | os.PathLike[str] | None = None,
    seed: str | os.PathLike[str] | None = None,
    startup_timeout: float = 30.0,
) -> Iterator[Emulator]:
    """Starts an emulator on a free port of 127.0.0.1 for the ``with`` block and stops it
    afterwards. See :func:`start_emulator` for the arguments."""
    emu = start_emulator(binary=binary, seed=seed, startup_timeout=startup_timeout)
    try:
        yield emu
    finally:
        emu.stop()
