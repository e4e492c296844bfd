"""Hooks (`on_request`, `on_response`, `on_retry`), the W3C trace context from OpenTelemetry
and a view's `connect_timeout`: hooks get immutable `CallEvent`s with the call's ids on the
caller's thread; a hook that raises is logged and changes nothing; an active span's
`traceparent` reaches the server only when `opentelemetry` is importable."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import descope_mgmt as dm
import pytest
from conftest import Emulator

ROTATE = "/v1/mgmt/accesskey/rotate"
BATCH = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"
TOKENS = [{"appId": "google-drive", "tenantId": "T2hook", "accessToken": "at-hook-secret-1"}]
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def recorder() -> tuple[list[tuple[str, dm.CallEvent, int]], dict[str, object]]:
    seen: list[tuple[str, dm.CallEvent, int]] = []

    def hook(name: str) -> object:
        return lambda e: seen.append((name, e, threading.get_ident()))

    return seen, {n: hook(n) for n in ("on_request", "on_response", "on_retry")}


def test_hooks_see_each_attempt_on_the_callers_thread(emu: Emulator) -> None:
    seen, hooks = recorder()
    emu.fault({"method": "POST", "path": BATCH, "status": 503, "times": 1})
    with dm.Client(**emu.client_kwargs(), **hooks) as client:  # type: ignore[arg-type]
        client.batch_upload_tenant_tokens(TOKENS)
        assert [(n, e.event, e.status, e.attempt) for n, e, _ in seen] == [
            ("on_request", "request", None, 1),
            ("on_response", "response", 503, 1),
            ("on_retry", "retry", 503, 1),
            ("on_request", "request", None, 2),
            ("on_response", "response", 200, 2),
        ]
        assert {t for _, _, t in seen} == {threading.get_ident()}
        events = [e for _, e, _ in seen]
        rid = emu.journal(BATCH)[0]["headers"]["x-external-rid"]
        assert all(e.external_request_id == rid and e.call == "batch_upload_tenant_tokens" for e in events)
        assert events[4].request_id and events[2].retry_in_ms is not None
        assert "x-external-rid" in events[0].header_names and events[0].body_bytes
        for e in events:
            assert "at-hook-secret-1" not in repr(e)
            with pytest.raises(AttributeError):
                e.status = 1  # type: ignore[misc]
        # Views share the client's hooks.
        seen.clear()
        client.with_options(max_retries=0).rotate_access_key("K2active")
        assert [n for n, _, _ in seen] == ["on_request", "on_response"]
        assert seen[0][1].key_id == "K2active"


def test_a_raising_hook_is_logged_and_changes_nothing(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="descope_mgmt")

    def broken(_: dm.CallEvent) -> None:
        raise ValueError("a broken hook")

    with dm.Client(**emu.client_kwargs(), on_request=broken, on_response=broken) as client:
        rotated = client.rotate_access_key("K2active")
    assert rotated.key.id == "K2active"
    assert emu.count(ROTATE) == 1
    failed = [r for r in caplog.records if r.name == "descope_mgmt" and r.event == "hook_failed"]
    assert [r.getMessage().split("hook=")[1] for r in failed] == ["on_request", "on_response"]
    assert all(r.levelname == "WARNING" for r in failed)


def test_hooks_must_be_callable(emu: Emulator) -> None:
    with pytest.raises(TypeError, match="on_retry must be a callable"):
        dm.Client(**emu.client_kwargs(), on_retry="print")  # type: ignore[arg-type]


def test_async_hooks_run_on_the_loop_before_the_result(emu: Emulator) -> None:
    seen, hooks = recorder()

    async def main() -> tuple[int, list[str]]:
        async with dm.AsyncClient(**emu.client_kwargs(), **hooks) as client:  # type: ignore[arg-type]
            await client.rotate_access_key("K2active")
            return threading.get_ident(), [n for n, _, _ in seen]

    loop_thread, names = asyncio.run(main())
    assert names == ["on_request", "on_response"]
    assert {t for _, _, t in seen} == {loop_thread}


@pytest.fixture
def span() -> Iterator[None]:
    from opentelemetry import context, trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, TraceState

    ctx = SpanContext(
        trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
        span_id=0x00F067AA0BA902B7,
        is_remote=False,
        trace_flags=TraceFlags(1),
        trace_state=TraceState([("vendor", "v1")]),
    )
    token = context.attach(trace.set_span_in_context(NonRecordingSpan(ctx)))
    try:
        yield
    finally:
        context.detach(token)


def test_the_active_opentelemetry_span_is_propagated(emu: Emulator, span: None) -> None:
    with dm.Client(**emu.client_kwargs()) as client:
        client.rotate_access_key("K2active")
        other = "00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        client.with_options(traceparent=other).rotate_access_key("K2active")
    sent = [r["headers"] for r in emu.journal(ROTATE)]
    assert sent[0]["traceparent"] == TRACEPARENT
    assert sent[0]["tracestate"] == "vendor=v1"
    assert sent[1]["traceparent"] == other and "tracestate" not in sent[1]


def test_no_span_no_opentelemetry_no_header(emu: Emulator) -> None:
    with dm.Client(**emu.client_kwargs()) as client:
        client.rotate_access_key("K2active")
    assert "traceparent" not in emu.journal(ROTATE)[0]["headers"]
    # Without opentelemetry importable, an active... nothing can be active: nothing is sent
    # and nothing fails.
    code = (
        "import sys; sys.modules['opentelemetry'] = None\n"
        "import descope_mgmt as dm\n"
        f"c = dm.Client(**{emu.client_kwargs()!r})\n"
        "c.rotate_access_key('K2active')\n"
        "assert 'opentelemetry.propagate' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    # A program that does not use OpenTelemetry never pays for importing it.
    unused = (
        "import sys\n"
        "import descope_mgmt as dm\n"
        f"dm.Client(**{emu.client_kwargs()!r}).rotate_access_key('K2active')\n"
        "assert not any(m.startswith('opentelemetry') for m in sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", unused], check=True, timeout=60)
    assert "traceparent" not in emu.journal(ROTATE)[-1]["headers"]


def test_a_bad_traceparent_is_refused(emu: Emulator) -> None:
    with dm.Client(**emu.client_kwargs()) as client:
        with pytest.raises(dm.InvalidArgumentError, match="traceparent"):
            client.with_options(traceparent="00-nope")
        with pytest.raises(dm.InvalidArgumentError, match="tracestate"):
            client.with_options(tracestate="a=1")


def test_a_views_connect_timeout_bounds_connecting(emu: Emulator) -> None:
    # A server that accepts and never answers the TLS handshake.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    kwargs = emu.client_kwargs() | {"base_url": f"https://127.0.0.1:{port}"}
    try:
        with dm.Client(**kwargs, connect_timeout=20, timeout=30, max_retries=0) as client:
            started = time.monotonic()
            with pytest.raises(dm.TimeoutError, match="nothing was sent"):
                client.with_options(connect_timeout=0.3).rotate_access_key("K2active")
            assert time.monotonic() - started < 5
            with pytest.raises(dm.ConfigError):
                client.with_options(connect_timeout=0)
    finally:
        server.close()
