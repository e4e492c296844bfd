"""descope_mgmt: a fast, typed client for three Descope Management API calls.

* :meth:`Client.rotate_access_key` -> :class:`RotatedAccessKey`
* :meth:`Client.batch_upload_tenant_tokens` (all or nothing) -> None
* :meth:`Client.create_dcr_template` -> :class:`DcrTemplate`

:class:`AsyncClient` has the same methods as asyncio coroutines. Errors are subclasses of
:class:`DescopeError` (see :mod:`descope_mgmt.errors`). Importing this package does no
work: no network, no asyncio, no threads until the first call.
"""

from descope_mgmt._native import (
    AccessKey as AccessKey,
    AsyncClient as AsyncClient,
    Client as Client,
    ERROR_CODES as ERROR_CODES,
    DcrTemplate as DcrTemplate,
    KeyTenant as KeyTenant,
    RotatedAccessKey as RotatedAccessKey,
    SessionSettings as SessionSettings,
    TenantToken as TenantToken,
    __version__ as __version__,
)
from descope_mgmt.errors import (
    ApiError as ApiError,
    AuthenticationError as AuthenticationError,
    BatchFailure as BatchFailure,
    BatchRejectedError as BatchRejectedError,
    ConfigError as ConfigError,
    ConnectionError as ConnectionError,
    DecodeError as DecodeError,
    DescopeError as DescopeError,
    InterruptedAfterSend as InterruptedAfterSend,
    InvalidArgumentError as InvalidArgumentError,
    NotFoundError as NotFoundError,
    OutcomeUnknownError as OutcomeUnknownError,
    PermissionDeniedError as PermissionDeniedError,
    RateLimitError as RateLimitError,
    ServerError as ServerError,
    TimeoutError as TimeoutError,
)

__all__ = [
    "AccessKey",
    "ApiError",
    "AsyncClient",
    "AuthenticationError",
    "BatchFailure",
    "BatchRejectedError",
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
    "__version__",
]
