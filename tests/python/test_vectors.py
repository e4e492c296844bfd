"""Runs every shared vector in tests/vectors/ against the emulator, through the blocking
`Client` and through `AsyncClient` (see tests/vectors/README.md for the schema)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import descope_mgmt as dm
import pytest
from conftest import REPO, Emulator
from descope_mgmt.errors import _BY_CODE

VECTOR_DIR = REPO / "tests" / "vectors"
PATHS = {
    "rotate_access_key": "/v1/mgmt/accesskey/rotate",
    "batch_upload_tenant_tokens": "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload",
    "create_dcr_template": "/v1/mgmt/resource/dynamic-registration-template/create",
}


def snake(wire_name: str) -> str:
    """The keyword for a wire name: `loginPageURL` -> `login_page_url` (the bindings accept
    the core's snake_case aliases; no per-field table to keep in step)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z]+)", lambda m: "_" + m.group(1).lower(), wire_name)


def _load() -> list[Any]:
    files = sorted(VECTOR_DIR.glob("*.json"))
    assert files, f"no vector files in {VECTOR_DIR}"
    out = []
    for f in files:
        for v in json.loads(f.read_text()):
            for mode in ("sync", "async"):
                out.append(pytest.param(v, mode, id=f"{f.stem}:{v['name']}:{mode}"))
    return out


def matches(expected: Any, actual: Any) -> bool:
    """The README's subset matching rules."""
    if expected == "$any":
        return True
    if expected == "$nonempty":
        return isinstance(actual, str) and actual != ""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and matches(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(e, a) for e, a in zip(expected, actual))
        )
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return isinstance(actual, (int, float)) and not isinstance(actual, bool) and expected == actual
    return bool(expected == actual)


def client_kwargs(emu: Emulator, overrides: dict[str, Any]) -> dict[str, Any]:
    kw = emu.client_kwargs()
    if "timeoutMs" in overrides:
        kw["timeout"] = overrides["timeoutMs"] / 1000
    if "maxRetries" in overrides:
        kw["max_retries"] = overrides["maxRetries"]
    if "managementKey" in overrides:
        kw["management_key"] = overrides["managementKey"]
    if "baseUrl" in overrides:
        kw["base_url"] = overrides["baseUrl"]
    return kw


def token_inputs(tokens: list[dict[str, Any]], as_objects: bool) -> list[Any]:
    """Wire items as TenantToken objects when they can be built, else as camelCase dicts."""
    out: list[Any] = []
    for t in tokens:
        if as_objects and "appId" in t and "tenantId" in t:
            kw = {snake(k): v for k, v in t.items()}
            out.append(dm.TenantToken(kw.pop("app_id"), kw.pop("tenant_id"), **kw))
        else:
            out.append(dict(t))
    return out


def call(client: Any, vector: dict[str, Any], as_objects: bool) -> Any:
    """Calls the vector's method; returns the result or a coroutine."""
    args = vector["args"]
    name = vector["call"]
    if name == "rotate_access_key":
        return client.rotate_access_key(args["id"])
    if name == "batch_upload_tenant_tokens":
        return client.batch_upload_tenant_tokens(token_inputs(args["tokens"], as_objects))
    template = dict(args["template"])
    kwargs = {snake(k): v for k, v in template.items() if k != "name"}
    # A vector without a name checks a missing required value. In Python the name is a
    # required argument (omitting it is a TypeError, checked below), so the vector passes
    # an empty name, which core's validation must refuse before sending.
    return client.create_dcr_template(template.get("name", ""), **kwargs)


def applied(emu: Emulator, vector: dict[str, Any]) -> bool:
    args = vector["args"]
    name = vector["call"]
    if name == "rotate_access_key":
        key_id = args["id"]
        secret = emu.seed_secrets.get(key_id)
        return secret is not None and not emu.secret_valid(key_id, secret)
    if name == "batch_upload_tenant_tokens":
        if not args["tokens"]:
            return False
        first = args["tokens"][0]
        app, tenant = first.get("appId", ""), first.get("tenantId", "")
        return any(t.get("appId") == app and t.get("tenantId") == tenant for t in emu.tokens())
    wanted = args["template"].get("name")
    return any(t.get("name") == wanted for t in emu.created_templates())


@pytest.mark.parametrize(("vector", "mode"), _load())
def test_vector(emu: Emulator, vector: dict[str, Any], mode: str) -> None:
    if vector.get("faults"):
        emu.fault(vector["faults"])
    expect = vector["expect"]
    kwargs = client_kwargs(emu, vector.get("client", {}))
    missing_name = vector["call"] == "create_dcr_template" and "name" not in vector["args"]["template"]

    result: Any = None
    error: BaseException | None = None
    try:
        if mode == "sync":
            with dm.Client(**kwargs) as client:
                result = call(client, vector, as_objects=True)
        else:

            async def run() -> Any:
                async with dm.AsyncClient(**kwargs) as client:
                    return await call(client, vector, as_objects=False)

            result = asyncio.run(run())
    except dm.DescopeError as e:
        error = e

    if missing_name:
        with pytest.raises(TypeError):
            dm.Client(**kwargs).create_dcr_template()  # type: ignore[call-arg]
    if expect["ok"]:
        assert error is None, f"unexpected {error!r}"
        if vector["call"] == "batch_upload_tenant_tokens":
            assert result is None
        if "result" in expect:
            actual = result.to_dict()
            if vector["call"] == "create_dcr_template":
                actual = {"template": actual}  # the expected subset is the wire response
            ok = matches(expect["result"], actual)
            shown = {**actual, "cleartext": "***"} if "cleartext" in actual else actual
            assert ok, f"{expect['result']} !~ {shown}"
    else:
        want = expect["error"]
        assert error is not None, f"expected {want['code']}, got {result!r}"
        assert isinstance(error, dm.DescopeError)
        assert error.code == want["code"]
        assert type(error) is _BY_CODE[want["code"]]
        assert str(error).startswith(want["code"] + ": ")
        if "status" in want:
            assert error.status == want["status"]
        if "errorCode" in want:
            assert error.descope_code == want["errorCode"]
        if "retryAfter" in want:
            assert isinstance(error, dm.RateLimitError)
            assert error.retry_after == pytest.approx(want["retryAfter"])
        if "failuresCount" in want:
            assert isinstance(error, dm.BatchRejectedError)
            assert len(error.failures) == want["failuresCount"]
            assert all(isinstance(f, dm.BatchFailure) for f in error.failures)

    assert emu.count(PATHS[vector["call"]]) == expect["requests"]
    assert applied(emu, vector) == expect["applied"]


def test_every_vector_file_is_covered() -> None:
    names = {p.stem for p in VECTOR_DIR.glob("*.json")}
    assert names == set(PATHS), names


def test_path_of_a_vector_is_known() -> None:
    for f in VECTOR_DIR.glob("*.json"):
        for v in json.loads(Path(f).read_text()):
            assert v["call"] in PATHS
