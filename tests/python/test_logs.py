"""Safe logs through `logging.getLogger("descope_mgmt")`: off by default, turned on by
`log_level` or DESCOPE_MGMT_LOG, one record per call at info, each retry at warn, every
attempt at debug, the fields as record attributes, and never a secret at any level."""

from __future__ import annotations

import asyncio
import logging

import descope_mgmt as dm
import pytest
from conftest import Emulator

ROTATE = "/v1/mgmt/accesskey/rotate"
BATCH = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"
TOKENS = [
    {
        "appId": "google-drive",
        "tenantId": "T2logs1",
        "refreshToken": "rt-log-secret-0001",
        "accessToken": "at-log-secret-0001",
    },
    {
        "appId": "google-drive",
        "tenantId": "T2logs2",
        "idToken": "id-log-secret-0002",
        "accessToken": "at-log-secret-0002",
    },
]


def ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "descope_mgmt"]


def test_off_by_default(
    emu: Emulator, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DESCOPE_MGMT_LOG", raising=False)
    caplog.set_level(logging.DEBUG, logger="descope_mgmt")
    with dm.Client(**emu.client_kwargs()) as client:
        client.rotate_access_key("K2active")
    assert ours(caplog) == []


def test_debug_logs_carry_the_fields_and_no_secret(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="descope_mgmt")
    emu.fault({"method": "POST", "path": BATCH, "status": 503, "times": 1})
    with dm.Client(**emu.client_kwargs(), log_level="debug") as client:
        rotated = client.rotate_access_key("K2active")
        client.batch_upload_tenant_tokens(TOKENS)
    records = ours(caplog)
    events = [(r.levelname, r.event, r.call) for r in records]
    assert ("INFO", "call", "rotate_access_key") in events
    assert ("WARNING", "retry", "batch_upload_tenant_tokens") in events
    assert ("DEBUG", "request", "batch_upload_tenant_tokens") in events
    calls = [r for r in records if r.event == "call"]
    assert [r.call for r in calls] == ["rotate_access_key", "batch_upload_tenant_tokens"]
    assert calls[0].status == 200 and calls[0].key_id == "K2active" and calls[0].attempt == 1
    assert calls[1].attempt == 2
    assert all(len(r.external_request_id) == 36 for r in records)
    assert calls[0].request_id and calls[0].request_id.endswith("-EMU")
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in records)
    secrets = [emu.management_key, rotated.cleartext] + [
        v for t in TOKENS for k, v in t.items() if "Token" in k
    ]
    for s in secrets:
        assert s not in text


def test_failures_are_errors_and_the_env_turns_logs_on(
    emu: Emulator, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG, logger="descope_mgmt")
    monkeypatch.setenv("DESCOPE_MGMT_LOG", "error")
    with dm.Client(**emu.client_kwargs()) as client:
        client.rotate_access_key("K2active")
        with pytest.raises(dm.NotFoundError):
            client.rotate_access_key("K2missing")
    records = ours(caplog)
    assert [(r.levelname, r.code, r.status) for r in records] == [("ERROR", "NOT_FOUND", 404)]
    with pytest.raises(dm.ConfigError, match="log_level must be one of"):
        dm.Client(**emu.client_kwargs(), log_level="verbose")


def test_a_raising_handler_never_changes_the_outcome(emu: Emulator) -> None:
    class Boom(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            raise RuntimeError("handler failed")

        def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802
            raise RuntimeError("handler failed again")

    logger = logging.getLogger("descope_mgmt")
    handler = Boom()
    logger.addHandler(handler)
    try:
        with dm.Client(**emu.client_kwargs(), log_level="info") as client:
            assert client.rotate_access_key("K2active").cleartext
    finally:
        logger.removeHandler(handler)


def test_asyncio_calls_log_on_their_loop(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="descope_mgmt")

    async def main() -> None:
        async with dm.AsyncClient(**emu.client_kwargs(), log_level="info") as client:
            await client.rotate_access_key("K2active")

    asyncio.run(main())
    assert [(r.event, r.call) for r in ours(caplog)] == [("call", "rotate_access_key")]
