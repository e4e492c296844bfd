"""descope_mgmt.testing: the emulator() context manager and the descope_emulator pytest fixture
(registered by the package's pytest11 entry point), as users' own tests use them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import descope_mgmt
import pytest
from descope_mgmt import OutcomeUnknownError
from descope_mgmt._emulator import binary_path
from descope_mgmt.testing import (
    BATCH_UPLOAD_TENANT_TOKENS,
    EMULATOR_BIN_ENV,
    ROTATE_ACCESS_KEY,
    Emulator,
    EmulatorError,
    emulator,
    emulator_binary,
)

# A checkout's build has no bundled emulator: use the one the test scripts build (an installed
# wheel, as in scripts/test-dist.sh, runs its own bundled copy).
if not binary_path().is_file():
    from conftest import EMULATOR_BIN

    os.environ.setdefault(EMULATOR_BIN_ENV, str(EMULATOR_BIN))


def test_outcome_unknown_with_the_fixture(descope_emulator: Emulator) -> None:
    """The README's example: a rotate whose answer is lost after the server applied it."""
    descope_emulator.fault("POST", ROTATE_ACCESS_KEY, "drop_after_apply")
    with pytest.raises(OutcomeUnknownError) as caught:
        descope_emulator.client().rotate_access_key("K2active")
    assert caught.value.code == "OUTCOME_UNKNOWN"
    sent = descope_emulator.journal("POST", ROTATE_ACCESS_KEY)
    assert len(sent) == 1
    # It was applied: the seed secret no longer works.
    assert not descope_emulator.secret_valid("K2active", descope_emulator.access_keys["K2active"])


def test_the_fixture_resets_between_tests(descope_emulator: Emulator) -> None:
    assert descope_emulator.journal() == []
    assert descope_emulator.secret_valid("K2active", descope_emulator.access_keys["K2active"])
    rotated = descope_emulator.client().rotate_access_key("K2active")
    assert descope_emulator.secret_valid("K2active", rotated.cleartext)


def test_context_manager_client_fault_journal_reset() -> None:
    with emulator() as emu:
        assert emu.base_url.startswith("http://127.0.0.1:")
        assert emu.project_id and emu.management_key
        assert emu.env() == {
            "DESCOPE_BASE_URI": emu.base_url,
            "DESCOPE_PROJECT_ID": emu.project_id,
            "DESCOPE_MANAGEMENT_KEY": emu.management_key,
        }
        with emu.client(max_retries=0) as client:
            assert client.base_url.rstrip("/") == emu.base_url
            assert emu.fault("POST", ROTATE_ACCESS_KEY, status=503, times=2) == 1
            with pytest.raises(descope_mgmt.ServerError):
                client.rotate_access_key("K2active")
            with pytest.raises(descope_mgmt.ServerError):
                client.rotate_access_key("K2active")
            client.rotate_access_key("K2active")
            client.batch_upload_tenant_tokens([{"appId": "slack", "tenantId": "T1", "accessToken": "at"}])
        assert [r["method"] for r in emu.journal(path=ROTATE_ACCESS_KEY)] == ["POST"] * 3
        assert len(emu.journal("POST", BATCH_UPLOAD_TENANT_TOKENS)) == 1
        assert [t["tenantId"] for t in emu.tokens("slack")] == ["T1"]
        emu.reset()
        assert emu.journal() == [] and emu.tokens() == []
        proc = emu.process
    assert proc.poll() is not None, "the emulator still runs after the with block"


def test_async_client_and_delay_fault() -> None:
    import asyncio

    with emulator() as emu:
        emu.fault(None, ROTATE_ACCESS_KEY, "delay", delay_ms=50)

        async def rotate() -> str:
            async with emu.async_client() as client:
                rotated = await client.rotate_access_key("K2active")
            return rotated.cleartext

        assert emu.secret_valid("K2active", asyncio.run(rotate()))


def test_bad_fault_is_an_emulator_error() -> None:
    with emulator() as emu, pytest.raises(EmulatorError, match="HTTP 400"):
        emu.fault("POST", "no-slash")


def test_missing_or_broken_binary_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert emulator_binary(tmp_path / "nope") == tmp_path / "nope"  # taken as given ...
    with pytest.raises(EmulatorError, match="cannot run the emulator"):
        with emulator(binary=tmp_path / "nope"):  # ... and named when it cannot run
            pass
    script = tmp_path / "fails"
    script.write_text("#!/bin/sh\necho boom >&2\nexit 3\n")
    script.chmod(0o755)
    with pytest.raises(EmulatorError, match=r"exited with status 3: boom"):
        with emulator(binary=script):
            pass
    if not binary_path().is_file():
        monkeypatch.delenv(EMULATOR_BIN_ENV)
        with pytest.raises(EmulatorError, match=EMULATOR_BIN_ENV):
            emulator_binary()


@pytest.mark.skipif(not binary_path().is_file(), reason="a source build bundles no emulator")
def test_an_installed_wheel_runs_its_bundled_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(EMULATOR_BIN_ENV, raising=False)
    with emulator() as emu:
        assert emu.binary == binary_path()


def test_fixture_works_in_a_users_project(tmp_path: Path) -> None:
    """A user's test file with no conftest gets the fixture from the entry point."""
    (tmp_path / "test_user.py").write_text(
        "import pytest\n"
        "from descope_mgmt import OutcomeUnknownError\n"
        "from descope_mgmt.testing import ROTATE_ACCESS_KEY\n"
        "def test_rotate(descope_emulator):\n"
        "    descope_emulator.fault('POST', ROTATE_ACCESS_KEY, 'drop_after_apply')\n"
        "    with pytest.raises(OutcomeUnknownError):\n"
        "        descope_emulator.client().rotate_access_key('K2active')\n"
        "    assert len(descope_emulator.journal('POST', ROTATE_ACCESS_KEY)) == 1\n"
    )
    env = {**os.environ, EMULATOR_BIN_ENV: str(emulator_binary())}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
