"""descope_mgmt: a fast, typed client for three Descope Management API calls.

* :meth:`Client.rotate_access_key` -> :class:`RotatedAccessKey`
* :meth:`Client.batch_upload_tenant_tokens` (all or nothing) -> None
* :meth:`Client.create_dcr_template` -> :class:`DcrTemplate`

:class:`AsyncClient` has the same methods as asyncio coroutines. Errors are subclasses of
:class:`DescopeError` (see :mod:`descope_mgmt.errors`); ``DescopeError.code`` is one of
:data:`ERROR_CODES`, the core's list of stable codes. Importing this package does no work:
no network, no asyncio, no threads until the first call.
"""

from descope_mgmt._native import (
    ERROR_CODES,
    AccessKey,
    AsyncClient,
    CallEvent,
    CallMeta,
    Client,
    DcrTemplate,
    KeyTenant,
    RotatedAccessKey,
    SessionSettings,
    TenantToken,
    UploadProgress,
    __version__,
)
from descope_mgmt.errors import (
    ApiError,
    AuthenticationError,
    BatchFailure,
    BatchRejectedError,
    ConfigError,
    ConnectionError,
    DecodeError,
    DescopeError,
    InterruptedAfterSend,
    InvalidArgumentError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TimeoutError,
)

__all__ = [
    "AccessKey",
    "ApiError",
    "AsyncClient",
    "AuthenticationError",
    "BatchFailure",
    "BatchRejectedError",
    "CallEvent",
    "CallMeta",
    "Client",
    "ConfigError",
    "ConnectionError",
    "DcrTemplate",
    "DecodeError",
    "DescopeError",
    "ERROR_CODES",
    "InterruptedAfterSend",
    "InvalidArgumentError",
    "KeyTenant",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitError",
    "RotatedAccessKey",
    "ServerError",
    "SessionSettings",
    "TenantToken",
    "TimeoutError",
    "UploadProgress",
    "__version__",
]
