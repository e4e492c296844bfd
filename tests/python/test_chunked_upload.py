"""`upload_tenant_tokens`: chunks in order, every item checked before any request, progress,
a failing middle chunk, and chunk_size limits (blocking and async clients)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import descope_mgmt as dm
import pytest
from conftest import Emulator
from descope_mgmt import errors

BATCH = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"


def token(i: int) -> dict[str, Any]:
    return {"app_id": "google-drive", "tenant_id": f"T{i}", "access_token": f"at-{i}"}


def sent(emu: Emulator) -> list[list[str]]:
    return [
        [t["tenantId"] for t in json.loads(r["body"])["tokens"]] for r in emu.journal(BATCH)
    ]


def test_chunks_in_order_with_progress(emu: Emulator) -> None:
    seen: list[dm._native.UploadProgress] = []

    def gen() -> Iterator[dict[str, Any]]:
        for i in range(2500):
            yield token(i)

    with dm.Client(**emu.client_kwargs()) as client:
        done = client.upload_tenant_tokens(gen(), on_progress=seen.append)
    batches = sent(emu)
    assert [len(b) for b in batches] == [1000, 1000, 500]
    assert sum(batches, []) == [f"T{i}" for i in range(2500)]
    assert [(p.tokens_done, p.chunks_done) for p in seen] == [(1000, 1), (2000, 2), (2500, 3)]
    assert all(p.tokens_total == 2500 and p.chunks_total == 3 for p in seen)
    assert done == seen[-1]
    assert "tokens_done=2500" in repr(done)
    assert len(emu.tokens()) == 2500


def test_every_item_is_checked_before_any_request(emu: Emulator) -> None:
    tokens: list[Any] = [token(i) for i in range(2500)]
    tokens[2400] = {"app_id": "google-drive", "tenant_id": "T"}
    tokens[7] = dm.TenantToken("google-drive", " ", access_token="x")
    with dm.Client(**emu.client_kwargs()) as client:
        with pytest.raises(errors.InvalidArgumentError) as e:
            client.upload_tenant_tokens(tokens)
        assert "tokens[2400]" in str(e.value) and "tokens[7]" in str(e.value)
        tokens[2400] = {"app_id": "google-drive", "tenant_id": "T", "bogus": 1}
        with pytest.raises(errors.InvalidArgumentError, match=r"tokens\[2400\]"):
            client.upload_tenant_tokens(tokens)
        for size in (0, -1, 100_001):
            with pytest.raises(errors.InvalidArgumentError, match="chunk_size"):
                client.upload_tenant_tokens([token(0)], chunk_size=size)
        with pytest.raises(TypeError):
            client.upload_tenant_tokens("not tokens")
    assert emu.count(BATCH) == 0


def test_a_failing_middle_chunk_stops_and_reports_what_was_committed(emu: Emulator) -> None:
    emu.fault({"method": "POST", "path": BATCH, "action": "delay", "delayMs": 1})
    emu.fault({"method": "POST", "path": BATCH, "status": 409, "times": 2})
    seen: list[Any] = []
    with dm.Client(**emu.client_kwargs()) as client:
        with pytest.raises(errors.DescopeError) as e:
            client.upload_tenant_tokens(
                [token(i) for i in range(25)], chunk_size=10, on_progress=seen.append
            )
    err: Any = e.value
    assert err.code == "API_ERROR"
    assert len(seen) == 1
    assert err.committed.tokens_done == 10 and err.committed.chunks_done == 1
    assert err.failed_chunk == 1
    assert err.failed_range == range(10, 20)
    assert "tokens[10..20]" in str(err)
    assert len(sent(emu)) == 2
    assert len(emu.tokens()) == 10


def test_a_rejected_chunk_carries_input_indexes(emu: Emulator) -> None:
    emu.fault({"method": "POST", "path": BATCH, "action": "delay", "delayMs": 1})
    body = {"failures": [{"appId": "google-drive", "tenantId": "T13", "errorCode": "E1", "reason": "x"}]}
    emu.fault({"method": "POST", "path": BATCH, "status": 200, "body": json.dumps(body)})
    with dm.Client(**emu.client_kwargs()) as client:
        with pytest.raises(errors.BatchRejectedError) as e:
            client.upload_tenant_tokens([token(i) for i in range(25)], chunk_size=10)
    err: Any = e.value
    assert err.failures[0].tenant_id == "T13"
    assert err.failure_indexes == [13]
    assert err.failed_range == range(10, 20)


def test_an_exception_in_on_progress_stops_after_the_committed_chunk(emu: Emulator) -> None:
    def stop(p: Any) -> None:
        raise KeyError("stop here")

    with dm.Client(**emu.client_kwargs()) as client:
        with pytest.raises(KeyError, match="stop here"):
            client.upload_tenant_tokens([token(i) for i in range(25)], chunk_size=10, on_progress=stop)
    assert len(sent(emu)) == 1


def test_async_client_takes_async_iterables(emu: Emulator) -> None:
    async def gen() -> AsyncIterator[dict[str, Any]]:
        for i in range(25):
            await asyncio.sleep(0)
            yield token(i)

    seen: list[Any] = []

    async def main() -> Any:
        async with dm.AsyncClient(**emu.client_kwargs()) as client:
            done = await client.upload_tenant_tokens(gen(), chunk_size=10, on_progress=seen.append)
            with pytest.raises(errors.InvalidArgumentError, match="chunk_size"):
                await client.upload_tenant_tokens([token(0)], chunk_size=0)
            bad = [token(0), {"app_id": "a"}]
            with pytest.raises(errors.InvalidArgumentError, match=r"tokens\[1\]"):
                await client.upload_tenant_tokens(bad)
            return done

    done = asyncio.run(main())
    assert done.tokens_done == 25 and done.chunks_total == 3
    assert [p.chunks_done for p in seen] == [1, 2, 3]
    assert [len(b) for b in sent(emu)] == [10, 10, 5]


def test_async_failing_chunk_and_progress_exception(emu: Emulator) -> None:
    emu.fault({"method": "POST", "path": BATCH, "action": "delay", "delayMs": 1})
    emu.fault({"method": "POST", "path": BATCH, "status": 400, "times": 1})

    async def main() -> None:
        async with dm.AsyncClient(**emu.client_kwargs()) as client:
            with pytest.raises(errors.DescopeError) as e:
                await client.upload_tenant_tokens([token(i) for i in range(25)], chunk_size=10)
            err: Any = e.value
            assert err.committed.tokens_done == 10 and err.failed_range == range(10, 20)

            def stop(p: Any) -> None:
                raise RuntimeError("enough")

            with pytest.raises(RuntimeError, match="enough"):
                await client.upload_tenant_tokens([token(i) for i in range(25)], chunk_size=10, on_progress=stop)

    asyncio.run(main())
    assert [len(b) for b in sent(emu)] == [10, 10, 10]
