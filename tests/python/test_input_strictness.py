"""Input the user means: a misspelled field of a token, session settings or template is an
INVALID_ARGUMENT naming its path (never its value), unknown fields are kept only when
decoding server answers, and a str that is not valid Unicode (a lone surrogate) is an
INVALID_ARGUMENT naming its path instead of a UnicodeEncodeError quoting the whole string.
Nothing is sent in any of these cases."""

from __future__ import annotations

import asyncio
from typing import Any

import descope_mgmt as dm
import pytest
from conftest import Emulator

ROTATE = "/v1/mgmt/accesskey/rotate"
CREATE = "/v1/mgmt/resource/dynamic-registration-template/create"
BATCH = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"
SECRET = "rt-Secret-Value-5b9e1c"
BAD = "x\udc80-" + SECRET  # a lone surrogate (e.g. from os.fsdecode of invalid bytes)


def sent(emu: Emulator) -> int:
    return emu.count(ROTATE) + emu.count(CREATE) + emu.count(BATCH)


def assert_names_path_without_value(e: BaseException, path: str) -> None:
    text = str(e) + repr(e) + repr(e.args)
    assert path in str(e), f"{path!r} not named in: {str(e)[:200]}"
    assert SECRET not in text, "the error quotes the value"
    assert "\udc80" not in text


UNKNOWN: list[tuple[str, str, Any]] = [
    (
        "token dict typo",
        "tokens[0].refresh_tokn",
        lambda c: c.batch_upload_tenant_tokens([{"appId": "slack", "tenantId": "T", "refresh_tokn": SECRET}]),
    ),
    (
        "second token typo",
        "tokens[1].accesToken",
        lambda c: c.batch_upload_tenant_tokens(
            [{"appId": "slack", "tenantId": "T", "accessToken": "a"}, {"appId": "slack", "tenantId": "U", "accesToken": SECRET}]
        ),
    ),
    (
        "settings dict typo",
        "session_settings.sesionTokenExpiration",
        lambda c: c.create_dcr_template("n", session_settings={"enabled": True, "sesionTokenExpiration": 5}),
    ),
    (
        "settings object from a server answer",
        "session_settings.newServerThing",
        lambda c: c.create_dcr_template(
            "n",
            session_settings=dm.DcrTemplate.from_dict(
                {"id": "D", "name": "old", "sessionSettings": {"enabled": True, "newServerThing": SECRET}}
            ).session_settings,
        ),
    ),
    (
        "settings from_dict typo",
        "data.refreshTokenExpiraton",
        lambda c: dm.SessionSettings.from_dict({"refreshTokenExpiraton": 3}),
    ),
]


@pytest.mark.parametrize(("name", "path", "fn"), UNKNOWN, ids=[n for n, _, _ in UNKNOWN])
def test_unknown_input_fields_are_invalid_argument_naming_the_path(
    emu: Emulator, name: str, path: str, fn: Any
) -> None:
    client = dm.Client(**emu.client_kwargs())
    with pytest.raises(dm.InvalidArgumentError) as info:
        fn(client)
    assert "not a known field" in str(info.value)
    assert_names_path_without_value(info.value, path)
    assert sent(emu) == 0


KEY_SECRET = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"


@pytest.mark.parametrize(
    ("path", "error", "fn"),
    [
        ("tokens[0].<field>", dm.InvalidArgumentError, lambda c: c.batch_upload_tenant_tokens([{"appId": "a", "tenantId": "T", "accessToken": "x", KEY_SECRET: 1}])),
        ("tokens[0].<field>", TypeError, lambda c: c.batch_upload_tenant_tokens([{"appId": "a", "tenantId": "T", KEY_SECRET: float("nan")}])),
        ("<field>", dm.InvalidArgumentError, lambda c: c.create_dcr_template("n", session_settings={KEY_SECRET: 1})),
        ("(name not shown)", TypeError, lambda c: dm.TenantToken("a", "T", **{KEY_SECRET: "x"})),
    ],
)
def test_a_secret_pasted_as_a_key_is_never_shown(emu: Emulator, path: str, error: type, fn: Any) -> None:
    client = dm.Client(**emu.client_kwargs())
    with pytest.raises(error) as info:
        fn(client)
    text = str(info.value) + repr(info.value) + repr(info.value.args)
    assert path in str(info.value), str(info.value)[:200]
    assert KEY_SECRET not in text and "ghp_" not in text, "the error shows the key"
    assert sent(emu) == 0


def test_unknown_fields_are_still_kept_when_decoding_answers(emu: Emulator) -> None:
    # The emulator echoes the template's fields: an answer with a field this version does
    # not know still decodes, keeping it in `extra`.
    t = dm.DcrTemplate.from_dict({"id": "D", "name": "n", "brandNew": 1, "sessionSettings": {"x": 2}})
    assert t.extra == {"brandNew": 1}
    assert t.session_settings is not None and t.session_settings.extra == {"x": 2}


SURROGATES: list[tuple[str, str, Any]] = [
    ("rotate id", "id", lambda c: c.rotate_access_key(BAD)),
    ("token ctor field", "refresh_token", lambda c: dm.TenantToken("slack", "T", refresh_token=BAD)),
    ("token ctor id", "app_id", lambda c: dm.TenantToken(BAD, "T")),
    (
        "token dict value",
        "tokens[0].accessToken",
        lambda c: c.batch_upload_tenant_tokens([{"appId": "slack", "tenantId": "T", "accessToken": BAD}]),
    ),
    (
        "token scopes item",
        "tokens[0].scopes[1]",
        lambda c: c.batch_upload_tenant_tokens([{"appId": "slack", "tenantId": "T", "accessToken": "a", "scopes": ["ok", BAD]}]),
    ),
    ("token dict key", "tokens[0] keys", lambda c: c.batch_upload_tenant_tokens([{BAD: "v"}])),
    ("template name", "name", lambda c: c.create_dcr_template(BAD)),
    ("template description", "description", lambda c: c.create_dcr_template("n", description=BAD)),
    ("template login url", "login_page_url", lambda c: c.create_dcr_template("n", login_page_url=BAD)),
    ("template tag", "tags[0]", lambda c: c.create_dcr_template("n", tags=[BAD])),
    (
        "settings unit",
        "session_settings.session_token_expiration_unit",
        lambda c: c.create_dcr_template("n", session_settings={"session_token_expiration_unit": BAD}),
    ),
    ("result from_dict", "data", lambda c: dm.AccessKey.from_dict({"id": BAD})),
]


@pytest.mark.parametrize(("name", "path", "fn"), SURROGATES, ids=[n for n, _, _ in SURROGATES])
def test_a_lone_surrogate_is_invalid_argument_naming_the_path(
    emu: Emulator, name: str, path: str, fn: Any
) -> None:
    client = dm.Client(**emu.client_kwargs())
    with pytest.raises(dm.InvalidArgumentError) as info:
        fn(client)
    assert_names_path_without_value(info.value, path)
    assert sent(emu) == 0


def test_a_lone_surrogate_in_an_async_call_is_raised_on_await(emu: Emulator) -> None:
    async def main() -> None:
        client = dm.AsyncClient(**emu.client_kwargs())
        call = client.rotate_access_key(BAD)  # no exception until awaited, like any coroutine
        with pytest.raises(dm.InvalidArgumentError) as info:
            await call
        assert_names_path_without_value(info.value, "id")
        with pytest.raises(dm.InvalidArgumentError) as info:
            await client.batch_upload_tenant_tokens([{"appId": "slack", "tenantId": "T", "idToken": BAD}])
        assert_names_path_without_value(info.value, "tokens[0].idToken")

    asyncio.run(main())
    assert sent(emu) == 0


@pytest.mark.parametrize("field", ["project_id", "management_key", "base_url"])
def test_a_lone_surrogate_in_a_client_setting_is_a_config_error(emu: Emulator, field: str) -> None:
    kwargs = {**emu.client_kwargs(), field: BAD}
    with pytest.raises(dm.ConfigError) as info:
        dm.Client(**kwargs)
    assert_names_path_without_value(info.value, field)


WRONG_TYPE_PATHS: list[tuple[str, str, Any]] = [
    (
        "token dict field",
        "tokens[1].appId",
        lambda c: c.batch_upload_tenant_tokens([{"appId": "a", "tenantId": "T", "accessToken": "a"}, {"appId": 7}]),
    ),
    (
        "token scopes item",
        "tokens[0].scopes[1]",
        lambda c: c.batch_upload_tenant_tokens([{"appId": "a", "tenantId": "T", "accessToken": SECRET, "scopes": ["x", 1]}]),
    ),
    ("token ctor keyword", "TenantToken.access_token_expiry", lambda c: dm.TenantToken("a", "T", access_token_expiry="soon")),
    ("template tags", "template.tags", lambda c: c.create_dcr_template("n", tags="a")),
    ("template name", "template.name", lambda c: c.create_dcr_template(None)),
]


@pytest.mark.parametrize(("name", "path", "fn"), WRONG_TYPE_PATHS, ids=[n for n, _, _ in WRONG_TYPE_PATHS])
def test_a_wrong_type_is_a_type_error_naming_the_path(emu: Emulator, name: str, path: str, fn: Any) -> None:
    client = dm.Client(**emu.client_kwargs())
    with pytest.raises(TypeError) as info:
        fn(client)
    assert not isinstance(info.value, dm.DescopeError)
    assert_names_path_without_value(info.value, path)
    assert sent(emu) == 0


def test_keywords_are_the_core_fields_in_either_spelling(emu: Emulator) -> None:
    # Constructors and create_dcr_template decode their keywords through the core, like a
    # dict: snake_case or the camelCase wire names, and a misspelled keyword names its path.
    a = dm.TenantToken("a", "T", refresh_token="r", access_token_expiry=5)
    b = dm.TenantToken("a", "T", refreshToken="r", accessTokenExpiry=5)  # type: ignore[call-arg]
    assert a == b and a.access_token_expiry == 5
    assert dm.SessionSettings(refresh_token_expiration=3) == dm.SessionSettings(refreshTokenExpiration=3)  # type: ignore[call-arg]
    t = dm.Client(**emu.client_kwargs()).create_dcr_template("kw", loginPageURL="https://x/l")  # type: ignore[call-arg]
    assert t.login_page_url == "https://x/l"
    # A misspelled keyword is a TypeError, as for any Python function; a misspelled dict
    # key is an InvalidArgumentError (see above).
    with pytest.raises(TypeError) as info:
        dm.TenantToken("a", "T", refresh_tokn=SECRET)  # type: ignore[call-arg]
    assert_names_path_without_value(info.value, "unexpected keyword argument 'refresh_tokn'")
    with pytest.raises(TypeError) as info:
        dm.SessionSettings(enabld=True)  # type: ignore[call-arg]
    assert_names_path_without_value(info.value, "'enabld'")
    with pytest.raises(TypeError) as info:
        dm.Client(**emu.client_kwargs()).create_dcr_template("n", login_page_ur=SECRET)  # type: ignore[call-arg]
    assert_names_path_without_value(info.value, "create_dcr_template() got an unexpected keyword argument 'login_page_ur'")
    assert sent(emu) == 1
