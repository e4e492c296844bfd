"""Error classes: hierarchy, attributes, pickling, and mapping of real server answers."""

from __future__ import annotations

import builtins
import pickle

import descope_mgmt as dm
import pytest
from conftest import Emulator
from descope_mgmt import errors

ROTATE = "/v1/mgmt/accesskey/rotate"
BATCH = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"

# The stable codes come from the core (`ErrorCode::ALL`), never from a copy in a test.
ALL_CODES = list(dm.ERROR_CODES)


def test_one_class_per_code() -> None:
    assert ALL_CODES and len(set(ALL_CODES)) == len(ALL_CODES)
    assert sorted(errors._BY_CODE) == sorted(ALL_CODES)
    for code, cls in errors._BY_CODE.items():
        assert issubclass(cls, dm.DescopeError)
        assert cls.CODE == code
        assert getattr(dm, cls.__name__) is cls
    assert dm.AuthenticationError.CODE == "UNAUTHORIZED"
    assert dm.PermissionDeniedError.CODE == "FORBIDDEN"
    assert dm.RateLimitError.CODE == "RATE_LIMITED"


def test_builtin_compatible_subclasses() -> None:
    assert issubclass(dm.TimeoutError, builtins.TimeoutError)
    assert issubclass(dm.ConnectionError, builtins.ConnectionError)
    assert issubclass(dm.InvalidArgumentError, ValueError)
    assert not issubclass(dm.OutcomeUnknownError, builtins.TimeoutError)
    assert dm.TimeoutError is not builtins.TimeoutError


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_error_pickles(code: str) -> None:
    cls = errors._BY_CODE[code]
    extra: dict[str, object] = {}
    if cls is dm.RateLimitError:
        extra["retry_after"] = 1.5
    if cls is dm.BatchRejectedError:
        extra["failures"] = [dm.BatchFailure("a", "t", "E1", "bad")]
    err = cls(
        "something happened",
        status=418,
        descope_code="E000418",
        description="desc",
        server_message="srv",
        **extra,  # type: ignore[arg-type]
    )
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is cls
    assert str(again) == str(err) == f"{code}: something happened"
    assert again.args == err.args
    for attr in ("code", "message", "status", "descope_code", "description", "server_message"):
        assert getattr(again, attr) == getattr(err, attr)
    for attr in extra:
        assert getattr(again, attr) == getattr(err, attr)


def test_raised_errors_pickle_and_keep_attributes(emu: Emulator) -> None:
    emu.fault({"method": "POST", "path": ROTATE, "status": 429, "headers": {"Retry-After": "120"}})
    with dm.Client(**emu.client_kwargs()) as c:
        with pytest.raises(dm.RateLimitError) as info:
            c.rotate_access_key("K2active")
    err = info.value
    assert (err.code, err.status, err.descope_code, err.retry_after) == ("RATE_LIMITED", 429, "E130429", 120.0)
    assert not hasattr(err, "error_code"), "no former names: nothing was released"
    again = pickle.loads(pickle.dumps(err))
    assert (again.code, again.status, again.descope_code, again.retry_after) == (
        "RATE_LIMITED",
        429,
        "E130429",
        120.0,
    )


def test_batch_rejected_failures(emu: Emulator) -> None:
    c = dm.Client(**emu.client_kwargs())
    tokens = [
        {"appId": "no-such-app", "tenantId": "T1", "accessToken": "secret-at-1"},
        {"app_id": "slack", "tenant_id": "T2", "refresh_token": "secret-rt-2"},
    ]
    with pytest.raises(dm.BatchRejectedError) as info:
        c.batch_upload_tenant_tokens(tokens)
    err = info.value
    assert [f.app_id for f in err.failures] == ["no-such-app"]
    f = err.failures[0]
    assert f.tenant_id == "T1" and f.error_code == "E011004" and f.reason
    assert f.to_dict() == {"appId": "no-such-app", "tenantId": "T1", "errorCode": "E011004", "reason": f.reason}
    assert "secret-at-1" not in str(err) and "secret-rt-2" not in repr(err)
    again = pickle.loads(pickle.dumps(err))
    assert again.failures == err.failures
    with pytest.raises(AttributeError):
        f.app_id = "x"  # type: ignore[misc]
    assert emu.tokens() == []


def test_error_mapping_by_status(emu: Emulator) -> None:
    c = dm.Client(**emu.client_kwargs(), max_retries=0)
    cases = [
        (401, dm.AuthenticationError),
        (403, dm.PermissionDeniedError),
        (404, dm.NotFoundError),
        (409, dm.ApiError),
        (503, dm.ServerError),
    ]
    for status, cls in cases:
        emu.fault({"method": "POST", "path": ROTATE, "status": status})
        with pytest.raises(cls) as info:
            c.rotate_access_key("K2active")
        assert info.value.status == status
        assert info.value.descope_code


def test_outcome_unknown_and_decode(emu: Emulator) -> None:
    c = dm.Client(**emu.client_kwargs())
    emu.fault({"method": "POST", "path": ROTATE, "action": "drop_after_apply"})
    with pytest.raises(dm.OutcomeUnknownError):
        c.rotate_access_key("K2active")
    emu.fault({"method": "POST", "path": ROTATE, "action": "malformed_body"})
    with pytest.raises(dm.DecodeError):
        c.rotate_access_key("K2active2")


def test_connection_error_is_builtin_connection_error() -> None:
    c = dm.Client("P2x", "K2x", base_url="http://127.0.0.1:1", max_retries=0)
    with pytest.raises(builtins.ConnectionError) as info:
        c.rotate_access_key("K2active")
    assert isinstance(info.value, dm.ConnectionError)
    assert info.value.code == "CONNECTION"


def test_timeout_after_send_is_outcome_unknown_not_builtin_timeout(emu: Emulator) -> None:
    emu.fault({"method": "POST", "path": ROTATE, "action": "delay", "delayMs": 1500})
    c = dm.Client(**emu.client_kwargs(), timeout=0.3)
    with pytest.raises(dm.OutcomeUnknownError) as info:
        c.rotate_access_key("K2active")
    assert not isinstance(info.value, builtins.TimeoutError)


def test_config_errors() -> None:
    with pytest.raises(dm.ConfigError) as info:
        dm.Client()
    assert "DESCOPE_PROJECT_ID" in str(info.value)
    with pytest.raises(dm.ConfigError) as info:
        dm.Client("P2x")
    assert "DESCOPE_MANAGEMENT_KEY" in str(info.value)
    with pytest.raises(dm.ConfigError):
        dm.Client("P2x", "K2x", base_url="http://example.com")
    for bad in (0, -1.0, float("nan"), float("inf"), 1e30):
        with pytest.raises(dm.ConfigError):
            dm.Client("P2x", "K2x", timeout=bad)
    with pytest.raises(dm.ConfigError):
        dm.Client("P2x", "K2x", max_retries=1000)
    for bad in (-1.0, float("nan"), float("inf"), 1e30):
        with pytest.raises(dm.ConfigError, match="connect_timeout must be a number of seconds"):
            dm.Client("P2x", "K2x", connect_timeout=bad)
        with pytest.raises(dm.ConfigError, match="max_retry_wait must be a number of seconds"):
            dm.Client("P2x", "K2x", max_retry_wait=bad)
    with pytest.raises(dm.ConfigError):
        dm.Client("P2x", "K2x", connect_timeout=0)
    dm.Client("P2x", "K2x", connect_timeout=0.5, max_retry_wait=0).close()
    with pytest.raises(dm.ConfigError) as creds:
        dm.Client("P2x", "K2x", base_url="https://user:hunter2@auth.example.com")
    assert "hunter2" not in str(creds.value)
    with pytest.raises(dm.ConfigError):
        dm.Client("P2x", "K2x", max_retries=-1)
    with pytest.raises(dm.ConfigError):
        dm.AsyncClient("P2x", "")


def test_errors_carry_the_request_ids_and_one_correlation_id_is_sent_on_every_attempt(emu: Emulator) -> None:
    client = dm.Client(**emu.client_kwargs(), max_retries=2)
    emu.fault({"method": "POST", "path": BATCH, "status": 503, "times": 3})
    with pytest.raises(dm.ServerError) as info:
        client.batch_upload_tenant_tokens([{"appId": "google-drive", "tenantId": "T2ids", "refreshToken": "rt-ids-1"}])
    err = info.value
    sent = [r["headers"].get("x-external-rid") for r in emu.journal(BATCH)]
    assert len(sent) == 3 and set(sent) == {err.external_request_id}, "one correlation id for the call's attempts"
    assert err.external_request_id is not None and len(err.external_request_id) == 36
    assert err.request_id is not None and err.request_id.endswith("-EMU"), "the emulator's cf-ray"
    assert pickle.loads(pickle.dumps(err)).external_request_id == err.external_request_id

    emu.reset()
    emu.fault({"method": "POST", "path": ROTATE, "action": "drop_after_apply"})
    with pytest.raises(dm.OutcomeUnknownError) as unknown:
        client.rotate_access_key("K2active")
    rid = unknown.value.external_request_id
    assert f"search the project's audit log for external request id {rid}".lower() in str(unknown.value).lower()
    assert "whether the key was rotated" in str(unknown.value)
    assert emu.journal(ROTATE)[0]["headers"]["x-external-rid"] == rid

    with pytest.raises(dm.InvalidArgumentError) as bad:
        client.rotate_access_key("")
    assert bad.value.external_request_id is None and bad.value.request_id is None, "nothing was attempted"
