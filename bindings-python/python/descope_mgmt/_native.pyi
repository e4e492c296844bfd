"""Type stubs for the compiled module ``descope_mgmt._native`` (hand-written; checked
against the runtime by ``mypy.stubtest`` in ``scripts/test-python.sh``)."""

import os
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, ClassVar, Literal, TypedDict, final, type_check_only

from typing_extensions import Self, TypeAlias, Unpack

__version__: str
ERROR_CODES: tuple[str, ...]
"""Every stable error code (``DescopeError.code``), from the core."""

__all__ = [
    "__version__",
    "ERROR_CODES",
    "AccessKey",
    "AsyncClient",
    "CallEvent",
    "CallMeta",
    "Client",
    "DcrTemplate",
    "KeyTenant",
    "RotatedAccessKey",
    "SessionSettings",
    "TenantToken",
    "UploadProgress",
]

_Json: TypeAlias = Any

@type_check_only
class _Model:
    """What every model class has (no such class exists at runtime): value equality,
    ``to_dict()`` in the wire's camelCase shape, ``from_dict()`` and pickling."""

    __hash__: ClassVar[None]  # type: ignore[assignment]
    def to_dict(self) -> dict[str, _Json]: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class KeyTenant(_Model):
    """A tenant an access key belongs to, with the key's roles in it."""

    @property
    def tenant_id(self) -> str: ...
    @property
    def role_names(self) -> list[str]: ...
    @property
    def tenant_name(self) -> str: ...
    @property
    def extra(self) -> dict[str, _Json]: ...

@final
class AccessKey(_Model):
    """An access key's metadata (unknown fields are kept in ``extra``)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def role_names(self) -> list[str]: ...
    @property
    def key_tenants(self) -> list[KeyTenant]: ...
    @property
    def status(self) -> str: ...
    @property
    def created_time(self) -> int: ...
    @property
    def expire_time(self) -> int: ...
    @property
    def created_by(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def bound_user_id(self) -> str: ...
    @property
    def custom_claims(self) -> dict[str, _Json]: ...
    @property
    def editable(self) -> bool: ...
    @property
    def description(self) -> str: ...
    @property
    def permitted_ips(self) -> list[str]: ...
    @property
    def custom_attributes(self) -> dict[str, _Json]: ...
    @property
    def extra(self) -> dict[str, _Json]: ...

@final
class RotatedAccessKey(_Model):
    """A rotated key and its new secret; ``repr()`` masks the secret."""

    @property
    def key(self) -> AccessKey: ...
    @property
    def cleartext(self) -> str: ...
    @property
    def meta(self) -> CallMeta:
        """How the call went; not part of the value, ``to_dict()`` or ``==``."""

@final
class CallEvent:
    """What a hook (``on_request``, ``on_response``, ``on_retry``) receives: one attempt's
    request, answer or retry. The fields of a log record: never a header value, a body, a
    token or a key. Immutable."""

    @property
    def event(self) -> Literal["request", "response", "retry"]: ...
    @property
    def call(self) -> Literal["rotate_access_key", "batch_upload_tenant_tokens", "create_dcr_template"]: ...
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def status(self) -> int | None:
        """The answer's HTTP status, if there was one."""
    @property
    def code(self) -> str | None:
        """For a retry after no answer: ``CONNECTION`` or ``TIMEOUT``."""
    @property
    def attempt(self) -> int:
        """The attempt, 1 for the first."""
    @property
    def retry_in_ms(self) -> int | None:
        """For a retry, the wait before the next attempt."""
    @property
    def elapsed_ms(self) -> int: ...
    @property
    def request_id(self) -> str | None:
        """The server's id of the last answer (``cf-ray``, else ``x-request-id``)."""
    @property
    def external_request_id(self) -> str:
        """The correlation id sent as ``x-external-rid``."""
    @property
    def key_id(self) -> str | None: ...
    @property
    def header_names(self) -> list[str]:
        """The names (never the values) of the headers sent."""
    @property
    def body_bytes(self) -> int | None: ...

@final
class CallMeta:
    """How the call that made a result went; empty (``status`` 0) after ``from_dict()``."""

    @property
    def request_id(self) -> str | None:
        """The server's id of the answer (``cf-ray``, else ``x-request-id``)."""
    @property
    def external_request_id(self) -> str:
        """The correlation id sent as ``x-external-rid``."""
    @property
    def status(self) -> int:
        """The answer's HTTP status."""
    @property
    def attempts(self) -> int:
        """The attempts the call took."""
    @property
    def elapsed(self) -> float:
        """The call's time in seconds."""

@final
class TenantToken(_Model):
    """One tenant's OAuth token for an outbound app; ``repr()`` masks the tokens."""

    def __new__(
        cls,
        app_id: str,
        tenant_id: str,
        *,
        refresh_token: str | None = None,
        access_token: str | None = None,
        access_token_expiry: int | None = None,
        access_token_type: str | None = None,
        scopes: list[str] | tuple[str, ...] | None = None,
        external_identifier: str | None = None,
        id_token: str | None = None,
        granted_by: str | None = None,
    ) -> TenantToken: ...
    @property
    def app_id(self) -> str: ...
    @property
    def tenant_id(self) -> str: ...
    @property
    def refresh_token(self) -> str | None: ...
    @property
    def access_token(self) -> str | None: ...
    @property
    def access_token_expiry(self) -> int | None: ...
    @property
    def access_token_type(self) -> str | None: ...
    @property
    def scopes(self) -> list[str] | None: ...
    @property
    def external_identifier(self) -> str | None: ...
    @property
    def id_token(self) -> str | None: ...
    @property
    def granted_by(self) -> str | None: ...

@final
class SessionSettings(_Model):
    """Token lifetimes and JWT templates of a dynamic registration template."""

    def __new__(
        cls,
        *,
        enabled: bool | None = None,
        session_token_expiration: int | None = None,
        session_token_expiration_unit: str | None = None,
        refresh_token_expiration: int | None = None,
        refresh_token_expiration_unit: str | None = None,
        user_template_id: str | None = None,
        key_template_id: str | None = None,
        key_session_token_expiration: int | None = None,
        key_session_token_expiration_unit: str | None = None,
    ) -> SessionSettings: ...
    @property
    def enabled(self) -> bool | None: ...
    @property
    def session_token_expiration(self) -> int | None: ...
    @property
    def session_token_expiration_unit(self) -> str | None: ...
    @property
    def refresh_token_expiration(self) -> int | None: ...
    @property
    def refresh_token_expiration_unit(self) -> str | None: ...
    @property
    def user_template_id(self) -> str | None: ...
    @property
    def key_template_id(self) -> str | None: ...
    @property
    def key_session_token_expiration(self) -> int | None: ...
    @property
    def key_session_token_expiration_unit(self) -> str | None: ...
    @property
    def extra(self) -> dict[str, _Json]: ...

_TokenInput: TypeAlias = TenantToken | Mapping[str, Any]
_SessionSettingsInput: TypeAlias = SessionSettings | Mapping[str, Any]

@type_check_only
class _TemplateOptions(TypedDict, total=False):
    """The keyword-only arguments of ``create_dcr_template`` (all optional)."""

    description: str | None
    login_page_url: str | None
    session_settings: _SessionSettingsInput | None
    skip_consent_screen: bool | None
    force_add_all_authorization_info: bool | None
    tags: list[str] | tuple[str, ...] | None

@final
class DcrTemplate(_Model):
    """A created dynamic registration template, as the server returned it."""

    @property
    def meta(self) -> CallMeta:
        """How the call went; not part of the value, ``to_dict()`` or ``==``."""
    @property
    def id(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def login_page_url(self) -> str: ...
    @property
    def session_settings(self) -> SessionSettings | None: ...
    @property
    def skip_consent_screen(self) -> bool: ...
    @property
    def force_add_all_authorization_info(self) -> bool: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def created_time(self) -> str: ...
    @property
    def modified_time(self) -> str: ...
    @property
    def extra(self) -> dict[str, _Json]: ...

@type_check_only
class _ClientBase:
    """What :class:`Client` and :class:`AsyncClient` share (no such class exists at runtime).

    Durations are seconds (floats): ``timeout`` per attempt, ``connect_timeout``, and
    ``max_retry_wait``, the longest ``Retry-After`` waited on automatically (0 never waits).
    ``None`` (unset) keeps the core's defaults: timeout 60, connect_timeout 10 (kept below
    80% of the timeout), max_retries 2, max_retry_wait 10, max_connections 64.

    ``proxy`` (``http(s)://[user:password@]host:port``; its credentials are never shown)
    defaults to ``HTTPS_PROXY`` then ``ALL_PROXY`` (``""`` turns them off), ``no_proxy`` to
    ``NO_PROXY``; a loopback base URL never uses a proxy. ``ca_bundle``, a PEM file of CA
    certificates trusted besides the system's, defaults to ``DESCOPE_MGMT_CA_BUNDLE``, then
    ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``.

    ``log_level`` (default ``DESCOPE_MGMT_LOG``, else off) sends safe records to
    ``logging.getLogger("descope_mgmt")``: ``info`` one per call, ``warn`` each retry,
    ``error`` each failed call, ``debug`` every attempt (header names and body sizes, never
    a value). No record holds a header value, a body, a token, a cleartext or the key.

    ``on_request``, ``on_response`` and ``on_retry`` are called with a :class:`CallEvent`
    on the caller's thread (for :class:`AsyncClient`, the event loop's), in order, before
    the call returns. A hook that raises is logged (``event=hook_failed``) and ignored.
    When ``opentelemetry`` is importable and a span is active, each call sends its W3C
    ``traceparent``/``tracestate``.
    """

    def __new__(
        cls,
        project_id: str | None = None,
        management_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        max_retries: int | None = None,
        max_retry_wait: float | None = None,
        max_connections: int | None = None,
        proxy: str | None = None,
        no_proxy: str | None = None,
        ca_bundle: str | os.PathLike[str] | None = None,
        log_level: Literal["off", "error", "warn", "info", "debug"] | None = None,
        on_request: Callable[[CallEvent], object] | None = None,
        on_response: Callable[[CallEvent], object] | None = None,
        on_retry: Callable[[CallEvent], object] | None = None,
    ) -> Self: ...
    def with_options(
        self,
        *,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        max_retries: int | None = None,
        max_retry_wait: float | None = None,
        external_request_id: str | None = None,
        traceparent: str | None = None,
        tracestate: str | None = None,
    ) -> Self:
        """A view whose calls use these settings over the client's, sharing its pool;
        ``external_request_id`` is sent as ``x-external-rid`` instead of a random id, and
        ``traceparent``/``tracestate`` as the W3C trace context instead of
        OpenTelemetry's active one."""
    def close(self) -> None: ...
    @property
    def project_id(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_retries(self) -> int: ...

@final
class UploadProgress:
    """How far ``upload_tenant_tokens`` is: passed to ``on_progress`` after each committed
    chunk, returned at the end, and an upload error's ``committed`` attribute (with
    ``failed_chunk``, ``failed_range`` and ``failure_indexes``). Compares by value."""

    @property
    def tokens_done(self) -> int:
        """Tokens committed so far."""
    @property
    def tokens_total(self) -> int:
        """Tokens in the whole upload."""
    @property
    def chunks_done(self) -> int:
        """Chunks committed so far."""
    @property
    def chunks_total(self) -> int:
        """Chunks in the whole upload."""
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, value: object, /) -> bool: ...

@final
class Client(_ClientBase):
    """A blocking client; releases the GIL while waiting. Usable as a context manager."""

    def rotate_access_key(self, id: str) -> RotatedAccessKey: ...
    def batch_upload_tenant_tokens(self, tokens: Iterable[_TokenInput]) -> None: ...
    def upload_tenant_tokens(
        self,
        tokens: Iterable[_TokenInput],
        *,
        chunk_size: int = 1000,
        on_progress: Callable[[UploadProgress], object] | None = None,
    ) -> UploadProgress: ...
    def create_dcr_template(self, name: str, **options: Unpack[_TemplateOptions]) -> DcrTemplate: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool: ...

@final
class AsyncClient(_ClientBase):
    """The asyncio client: the same methods as :class:`Client`, as coroutines (awaitables
    that asyncio treats as coroutines; nothing is sent until they are awaited)."""

    async def rotate_access_key(self, id: str) -> RotatedAccessKey: ...
    async def batch_upload_tenant_tokens(self, tokens: Iterable[_TokenInput]) -> None: ...
    async def upload_tenant_tokens(
        self,
        tokens: Iterable[_TokenInput] | AsyncIterable[_TokenInput],
        *,
        chunk_size: int = 1000,
        on_progress: Callable[[UploadProgress], object] | None = None,
    ) -> UploadProgress: ...
    async def create_dcr_template(self, name: str, **options: Unpack[_TemplateOptions]) -> DcrTemplate: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool: ...
