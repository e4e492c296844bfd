"""Typed results and inputs: attributes, equality, to_dict/from_dict, pickling, repr
masking, dict inputs (snake_case and camelCase) and wrong argument types."""

from __future__ import annotations

import pickle
from typing import Any

import descope_mgmt as dm
import pytest
from conftest import Emulator

BATCH = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"


@pytest.fixture()
def client(emu: Emulator) -> dm.Client:
    return dm.Client(**emu.client_kwargs())


def test_rotate_result_is_typed_immutable_and_masked(client: dm.Client, emu: Emulator) -> None:
    r = client.rotate_access_key("K2active")
    assert isinstance(r, dm.RotatedAccessKey)
    assert isinstance(r.key, dm.AccessKey)
    assert isinstance(r.cleartext, str) and len(r.cleartext) > 10
    valid = emu.secret_valid("K2active", r.cleartext)
    assert valid, "the returned cleartext does not verify"
    k = r.key
    assert (k.id, k.name, k.status, k.role_names) == ("K2active", "ci-bot", "active", ["Tenant Admin"])
    assert k.created_time == 1750000000 and k.expire_time == 0
    assert k.custom_claims == {"team": "platform"}
    assert k.editable is True
    assert [t.tenant_id for t in k.key_tenants] == ["T2acme"]
    assert isinstance(k.key_tenants[0], dm.KeyTenant)
    leaked = r.cleartext in repr(r) or r.cleartext in str(r)
    assert not leaked, "repr/str shows the cleartext"
    assert "cleartext=[REDACTED]" in repr(r)
    with pytest.raises(AttributeError):
        r.cleartext = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        k.id = "x"  # type: ignore[misc]
    # Getters hand out copies: mutating them does not change the result.
    k.custom_claims["team"] = "changed"
    k.role_names.append("x")
    assert k.custom_claims == {"team": "platform"} and k.role_names == ["Tenant Admin"]
    d = r.to_dict()
    same = d["cleartext"] == r.cleartext
    assert same, "to_dict() lost the cleartext"
    assert d["key"]["keyTenants"][0]["tenantName"] == "Acme"
    assert d["key"]["customClaims"] == {"team": "platform"}
    assert dm.RotatedAccessKey.from_dict(d) == r
    assert dm.AccessKey.from_dict(d["key"]) == k
    assert pickle.loads(pickle.dumps(r)) == r
    assert pickle.loads(pickle.dumps(k)) == k
    assert pickle.loads(pickle.dumps(k.key_tenants[0])) == k.key_tenants[0]
    other = client.rotate_access_key("K2active")
    assert other != r and other.key == r.key
    with pytest.raises(TypeError):
        hash(r)


def test_unknown_fields_are_kept() -> None:
    k = dm.AccessKey.from_dict({"id": "K1", "newField": {"a": True}, "keyTenants": [{"tenantId": "T", "x": 1}]})
    assert k.extra == {"newField": {"a": True}}
    assert k.key_tenants[0].extra == {"x": 1}
    assert k.to_dict()["newField"] == {"a": True}
    t = dm.DcrTemplate.from_dict({"id": "D", "version": 3, "logo": "x.png"})
    assert t.version == "3" and t.extra == {"logo": "x.png"}


def test_tenant_token_inputs(client: dm.Client, emu: Emulator) -> None:
    obj = dm.TenantToken(
        "google-drive",
        "T1",
        refresh_token="rt-secret-1",
        access_token="at-secret-1",
        access_token_expiry=1767225600,
        access_token_type="Bearer",
        scopes=["drive.readonly"],
        external_identifier="ext-1",
        id_token="idt-secret-1",
        granted_by="admin@example.com",
    )
    camel = {"appId": "slack", "tenantId": "T2", "accessToken": "at-secret-2", "accessTokenExpiry": 5}
    snake = {"app_id": "slack", "tenant_id": "T3", "refresh_token": "rt-secret-3", "scopes": ("a", "b")}
    assert client.batch_upload_tenant_tokens([obj, camel, snake]) is None
    stored = {(t["appId"], t["tenantId"]): t for t in emu.tokens()}
    assert stored[("google-drive", "T1")] == obj.to_dict()
    assert stored[("slack", "T2")] == camel
    assert stored[("slack", "T3")] == {"appId": "slack", "tenantId": "T3", "refreshToken": "rt-secret-3", "scopes": ["a", "b"]}
    # A tuple or a generator works as well as a list.
    client.batch_upload_tenant_tokens(t for t in [obj])
    # The wire body is exactly the camelCase shape.
    body = emu.journal(BATCH)[0]["body"]
    assert '"appId":"google-drive"' in body and "app_id" not in body


def test_tenant_token_object() -> None:
    t = dm.TenantToken("a", "t", refresh_token="rt-secret", id_token="idt-secret", scopes=["s"])
    assert (t.app_id, t.tenant_id, t.refresh_token, t.access_token, t.id_token, t.scopes) == (
        "a",
        "t",
        "rt-secret",
        None,
        "idt-secret",
        ["s"],
    )
    r = repr(t)
    assert "rt-secret" not in r and "idt-secret" not in r
    assert "refresh_token=[REDACTED]" in r and "scopes=['s']" in r
    assert t == dm.TenantToken.from_dict({"appId": "a", "tenantId": "t", "refreshToken": "rt-secret", "idToken": "idt-secret", "scopes": ["s"]})
    assert t == dm.TenantToken.from_dict(t.to_dict())
    assert pickle.loads(pickle.dumps(t)) == t
    assert t.to_dict() == {"appId": "a", "tenantId": "t", "refreshToken": "rt-secret", "scopes": ["s"], "idToken": "idt-secret"}


def test_settings_with_unknown_server_fields_pickle_and_repr() -> None:
    t = dm.DcrTemplate.from_dict({"id": "D", "name": "n", "sessionSettings": {"enabled": True, "newThing": 1}})
    s = t.session_settings
    assert s is not None and s.extra == {"newThing": 1}
    assert pickle.loads(pickle.dumps(s)) == s
    assert pickle.loads(pickle.dumps(t)) == t
    assert "extra={'newThing': 1}" in repr(s) and "new_thing" not in repr(s)
    # from_dict stays strict for what callers pass in.
    with pytest.raises(dm.InvalidArgumentError):
        dm.SessionSettings.from_dict({"enabled": True, "newThing": 1})


def test_session_settings_object_and_dicts(client: dm.Client, emu: Emulator) -> None:
    s = dm.SessionSettings(enabled=True, session_token_expiration=10, session_token_expiration_unit="minutes")
    assert s.to_dict() == {"enabled": True, "sessionTokenExpiration": 10, "sessionTokenExpirationUnit": "minutes"}
    assert s == dm.SessionSettings.from_dict({"enabled": True, "sessionTokenExpiration": 10, "session_token_expiration_unit": "minutes"})
    assert "session_token_expiration=10" in repr(s)
    assert pickle.loads(pickle.dumps(s)) == s
    t1 = client.create_dcr_template("one", session_settings=s, tags=["x"], skip_consent_screen=True)
    t2 = client.create_dcr_template("two", session_settings=s.to_dict())
    t3 = client.create_dcr_template("three", session_settings={"refresh_token_expiration": 4, "refreshTokenExpirationUnit": "weeks"})
    assert t1.session_settings == s and t2.session_settings == s
    assert t3.session_settings == dm.SessionSettings(refresh_token_expiration=4, refresh_token_expiration_unit="weeks")
    assert t1.tags == ["x"] and t1.skip_consent_screen is True and t1.name == "one"
    assert isinstance(t1, dm.DcrTemplate) and t1.id and t1.version == "1"
    assert dm.DcrTemplate.from_dict(t1.to_dict()) == t1
    assert pickle.loads(pickle.dumps(t1)) == t1
    assert t1 != t2
    assert [t["name"] for t in emu.created_templates()] == ["one", "two", "three"]


WRONG_TYPES: list[tuple[str, Any]] = [
    ("rotate None", lambda c: c.rotate_access_key(None)),
    ("rotate int", lambda c: c.rotate_access_key(42)),
    ("rotate bytes", lambda c: c.rotate_access_key(b"K2active")),
    ("batch str", lambda c: c.batch_upload_tenant_tokens("tokens")),
    ("batch None", lambda c: c.batch_upload_tenant_tokens(None)),
    ("batch dict", lambda c: c.batch_upload_tenant_tokens({"appId": "a"})),
    ("batch single token", lambda c: c.batch_upload_tenant_tokens(dm.TenantToken("a", "t"))),
    ("batch item int", lambda c: c.batch_upload_tenant_tokens([1])),
    ("batch item str", lambda c: c.batch_upload_tenant_tokens(["x"])),
    ("batch field int", lambda c: c.batch_upload_tenant_tokens([{"appId": 1, "tenantId": "t", "accessToken": "a"}])),
    ("batch token int", lambda c: c.batch_upload_tenant_tokens([{"appId": "slack", "tenantId": "t", "accessToken": 12345}])),
    ("batch expiry str", lambda c: c.batch_upload_tenant_tokens([{"appId": "slack", "tenantId": "t", "accessToken": "a", "accessTokenExpiry": "soon"}])),
    ("batch expiry float", lambda c: c.batch_upload_tenant_tokens([{"appId": "slack", "tenantId": "t", "accessToken": "a", "accessTokenExpiry": 1.5}])),
    ("batch expiry huge", lambda c: c.batch_upload_tenant_tokens([{"appId": "slack", "tenantId": "t", "accessToken": "a", "accessTokenExpiry": 2**70}])),
    ("batch scopes str", lambda c: c.batch_upload_tenant_tokens([{"appId": "slack", "tenantId": "t", "accessToken": "a", "scopes": "a b"}])),
    ("batch dict key int", lambda c: c.batch_upload_tenant_tokens([{1: "x"}])),
    ("create None", lambda c: c.create_dcr_template(None)),
    ("create tags str", lambda c: c.create_dcr_template("n", tags="a")),
    ("create skip int", lambda c: c.create_dcr_template("n", skip_consent_screen=1)),
    ("create settings list", lambda c: c.create_dcr_template("n", session_settings=[1])),
    ("create settings wrong field type", lambda c: c.create_dcr_template("n", session_settings={"enabled": "yes"})),
    ("create settings bool as int", lambda c: c.create_dcr_template("n", session_settings={"sessionTokenExpiration": True})),
    ("token ctor int", lambda c: dm.TenantToken(1, "t")),
    ("token ctor None", lambda c: dm.TenantToken(None, "t")),
    ("settings ctor", lambda c: dm.SessionSettings(enabled="yes")),
    ("client project int", lambda c: dm.Client(5, "k")),
    ("client timeout str", lambda c: dm.Client("P2x", "K2x", timeout="1")),
    ("client max_retries float", lambda c: dm.Client("P2x", "K2x", max_retries=1.5)),
    ("from_dict list", lambda c: dm.AccessKey.from_dict([])),
]


@pytest.mark.parametrize(("name", "fn"), WRONG_TYPES, ids=[n for n, _ in WRONG_TYPES])
def test_wrong_types_raise_type_error(client: dm.Client, emu: Emulator, name: str, fn: Any) -> None:
    with pytest.raises(TypeError) as info:
        fn(client)
    assert "12345" not in str(info.value)
    assert emu.count(BATCH) == 0


UNKNOWN_FIELDS: list[tuple[str, Any]] = [
    ("token typo", lambda c: c.batch_upload_tenant_tokens([{"appId": "slack", "tenantId": "t", "refresh_tokn": "x"}])),
    ("settings typo", lambda c: c.create_dcr_template("n", session_settings={"enabld": True})),
    ("bad unit", lambda c: c.create_dcr_template("n", session_settings={"sessionTokenExpirationUnit": "years"})),
    ("empty id", lambda c: c.rotate_access_key("  ")),
    ("empty list", lambda c: c.batch_upload_tenant_tokens([])),
    ("no token", lambda c: c.batch_upload_tenant_tokens([dm.TenantToken("slack", "t")])),
    ("settings from_dict typo", lambda c: dm.SessionSettings.from_dict({"enabld": True})),
    ("token from_dict typo", lambda c: dm.TenantToken.from_dict({"appId": "a", "tenantId": "t", "scope": ["x"]})),
]


def test_result_from_dict_is_as_lenient_as_decoding_an_answer() -> None:
    # Results decode what a server sends leniently (the core's rule): a drifted field is
    # kept raw in `extra` instead of failing (and losing a rotated secret).
    k = dm.AccessKey.from_dict({"id": "K2x", "createdTime": "yesterday", "roleNames": None})
    assert k.id == "K2x" and k.created_time == 0 and k.role_names == []
    assert k.extra == {"createdTime": "yesterday"}


@pytest.mark.parametrize(("name", "fn"), UNKNOWN_FIELDS, ids=[n for n, _ in UNKNOWN_FIELDS])
def test_bad_values_raise_invalid_argument(client: dm.Client, emu: Emulator, name: str, fn: Any) -> None:
    with pytest.raises(dm.InvalidArgumentError) as info:
        fn(client)
    assert info.value.code == "INVALID_ARGUMENT"
    assert isinstance(info.value, ValueError)


def test_batch_validation_reports_every_item_without_secrets(client: dm.Client) -> None:
    with pytest.raises(dm.InvalidArgumentError) as info:
        client.batch_upload_tenant_tokens(
            [
                {"appId": "", "tenantId": "T", "accessToken": "secret-one"},
                dm.TenantToken("slack", "", refresh_token="secret-two"),
            ]
        )
    msg = str(info.value)
    assert "tokens[0]" in msg and "tokens[1]" in msg
    assert "secret-one" not in msg and "secret-two" not in msg


def test_client_repr_and_properties_hide_the_key(emu: Emulator) -> None:
    c = dm.Client(emu.project_id, "K2SuperSecretManagementKey", base_url=emu.url + "/", timeout=5, max_retries=1)
    assert "K2SuperSecret" not in repr(c)
    assert c.project_id == emu.project_id
    assert c.base_url == emu.url
    assert c.timeout == 5.0 and c.max_retries == 1
    assert not hasattr(c, "management_key")


def test_client_is_a_context_manager(emu: Emulator) -> None:
    with dm.Client(**emu.client_kwargs()) as c:
        assert c.rotate_access_key("K2active").key.id == "K2active"
    assert "closed" in repr(c)
    with pytest.raises(dm.ConfigError):
        c.rotate_access_key("K2active")
    c.close()  # closing twice is fine


def test_env_fallback(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESCOPE_PROJECT_ID", emu.project_id)
    monkeypatch.setenv("DESCOPE_MANAGEMENT_KEY", emu.management_key)
    monkeypatch.setenv("DESCOPE_BASE_URI", emu.url)
    c = dm.Client()
    assert c.base_url == emu.url and c.project_id == emu.project_id
    assert c.rotate_access_key("K2active2").key.id == "K2active2"
    # Explicit values win over the environment.
    with pytest.raises(dm.AuthenticationError):
        dm.Client(management_key="wrong").rotate_access_key("K2active")
    headers = emu.journal("/v1/mgmt/accesskey/rotate")[0]["headers"]
    assert headers["x-descope-sdk-name"] == "descope-mgmt-python"


def test_unset_client_options_keep_the_core_defaults(emu: Emulator) -> None:
    c = dm.Client(**emu.client_kwargs())
    assert (c.timeout, c.max_retries) == (60.0, 2)
    c = dm.Client(**emu.client_kwargs(), timeout=None, max_retries=None, max_connections=None)
    assert (c.timeout, c.max_retries) == (60.0, 2)
    c = dm.AsyncClient(**emu.client_kwargs(), timeout=2.5, max_retries=0)
    assert (c.timeout, c.max_retries) == (2.5, 0)
