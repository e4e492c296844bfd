"""`with_options`: a view sharing the client's pool whose calls use other settings (seconds)
and the caller's correlation id (`x-external-rid`)."""

from __future__ import annotations

import asyncio

import descope_mgmt as dm
import pytest
from conftest import Emulator

ROTATE = "/v1/mgmt/accesskey/rotate"
BATCH = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"
TOKENS = [{"appId": "google-drive", "tenantId": "T2view", "accessToken": "at-view-0001"}]


def test_a_view_sends_the_callers_id_and_uses_its_retries(emu: Emulator) -> None:
    with dm.Client(**emu.client_kwargs(), max_retries=2) as client:
        view = client.with_options(external_request_id="migration-42", max_retries=0)
        view.rotate_access_key("K2active")
        emu.fault({"method": "POST", "path": BATCH, "status": 503, "times": 3})
        with pytest.raises(dm.ServerError) as info:
            view.batch_upload_tenant_tokens(TOKENS)
        assert info.value.external_request_id == "migration-42"
        sent = [r["headers"]["x-external-rid"] for r in emu.journal(ROTATE) + emu.journal(BATCH)]
        assert sent == ["migration-42", "migration-42"]
        # Closing the view leaves the client open; the client keeps its own settings.
        view.close()
        assert client.max_retries == 2
        client.rotate_access_key("K2active")
        assert emu.journal(ROTATE)[-1]["headers"]["x-external-rid"] != "migration-42"


def test_a_view_timeout_applies_to_its_calls(emu: Emulator) -> None:
    emu.fault({"method": "POST", "path": ROTATE, "action": "delay", "delayMs": 400})
    with dm.Client(**emu.client_kwargs()) as client:
        quick = client.with_options(timeout=0.1)
        assert quick.timeout == pytest.approx(0.1)
        with pytest.raises(dm.OutcomeUnknownError):
            quick.rotate_access_key("K2active")


def test_bad_view_options_are_refused(emu: Emulator) -> None:
    with dm.Client(**emu.client_kwargs()) as client:
        with pytest.raises(dm.ConfigError, match="timeout"):
            client.with_options(timeout=0)
        with pytest.raises(dm.ConfigError, match="max_retries"):
            client.with_options(max_retries=-1)
        with pytest.raises(dm.InvalidArgumentError) as info:
            client.with_options(external_request_id="has a space")
        assert "has a space" not in str(info.value)
        with pytest.raises(TypeError):
            client.with_options(external_request_id=5)  # type: ignore[arg-type]


def test_async_views(emu: Emulator) -> None:
    async def main() -> None:
        async with dm.AsyncClient(**emu.client_kwargs()) as client:
            view = client.with_options(external_request_id="async-7")
            assert isinstance(view, dm.AsyncClient)
            await view.rotate_access_key("K2active")

    asyncio.run(main())
    assert emu.journal(ROTATE)[-1]["headers"]["x-external-rid"] == "async-7"


def test_results_carry_their_calls_meta_outside_their_value(emu: Emulator) -> None:
    with dm.Client(**emu.client_kwargs()) as client:
        rotated = client.with_options(external_request_id="meta-1").rotate_access_key("K2active")
        created = client.create_dcr_template("meta")
    m = rotated.meta
    assert isinstance(m, dm.CallMeta)
    assert (m.status, m.attempts, m.external_request_id) == (200, 1, "meta-1")
    assert m.request_id is not None and m.request_id.endswith("-EMU")
    assert m.elapsed > 0
    assert len(created.meta.external_request_id) == 36
    assert "meta" not in created.to_dict() and "meta" not in rotated.to_dict()
    copy = dm.DcrTemplate.from_dict(created.to_dict())
    assert copy == created and copy.meta.status == 0
    assert "meta-1" in repr(m) and rotated.cleartext not in repr(m)
