"""Exceptions raised by :mod:`descope_mgmt`, one class per stable error code.

Every exception is a :class:`DescopeError` whose ``code`` is the language-neutral code
string shared with the Node.js and C bindings (``"RATE_LIMITED"``, ``"TIMEOUT"``, ...).
The classes are plain Python (no native code), so they pickle and unpickle anywhere.

Two classes also subclass a builtin so generic handlers keep working:

* :class:`TimeoutError` subclasses the builtin :class:`TimeoutError` (and so
  ``asyncio.TimeoutError`` on Python 3.11+).
* :class:`ConnectionError` subclasses the builtin :class:`ConnectionError`.

Both were raised before anything reached the server, so retrying is safe. A request that
may have been applied (it timed out *after* being sent) is an :class:`OutcomeUnknownError`,
which deliberately does **not** subclass the builtin ``TimeoutError``: a blindly retried
rotation can be overtaken by the original applied late, leaving a secret that no longer works. :class:`InvalidArgumentError` also subclasses
:class:`ValueError`.

This module imports nothing, so ``import descope_mgmt`` stays cheap.
"""

from __future__ import annotations

import builtins

# Not `from typing import TYPE_CHECKING`: importing `typing` would make `import descope_mgmt`
# slower. Type checkers treat this name as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypedDict, Unpack

    class _ErrorFields(TypedDict, total=False):
        """The keyword arguments every :class:`DescopeError` takes (see its attributes)."""

        code: str | None
        status: int | None
        descope_code: str | None
        description: str | None
        server_message: str | None
        request_id: str | None
        external_request_id: str | None

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BatchFailure",
    "BatchRejectedError",
    "ConfigError",
    "ConnectionError",
    "DecodeError",
    "DescopeError",
    "InterruptedAfterSend",
    "InvalidArgumentError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "TimeoutError",
]


class BatchFailure:
    """One token the server refused in a batch upload (``BatchRejectedError.failures``).

    Immutable; compares by value; ``to_dict()`` gives the wire (camelCase) shape.
    """

    __slots__ = ("app_id", "tenant_id", "error_code", "reason")

    app_id: str
    """The outbound app of the failing item."""
    tenant_id: str
    """The tenant of the failing item."""
    error_code: str
    """Descope's error code for the item."""
    reason: str
    """A human-readable reason."""

    def __init__(
        self, app_id: str = "", tenant_id: str = "", error_code: str = "", reason: str = ""
    ) -> None:
        object.__setattr__(self, "app_id", app_id)
        object.__setattr__(self, "tenant_id", tenant_id)
        object.__setattr__(self, "error_code", error_code)
        object.__setattr__(self, "reason", reason)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"BatchFailure is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"BatchFailure is immutable (cannot delete {name!r})")

    def _key(self) -> tuple[str, str, str, str]:
        return (self.app_id, self.tenant_id, self.error_code, self.reason)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BatchFailure):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"BatchFailure(app_id={self.app_id!r}, tenant_id={self.tenant_id!r}, "
            f"error_code={self.error_code!r}, reason={self.reason!r})"
        )

    def __reduce__(self) -> tuple[type[BatchFailure], tuple[str, str, str, str]]:
        return (BatchFailure, self._key())

    def to_dict(self) -> dict[str, str]:
        """The failure in the wire's camelCase shape."""
        return {
            "appId": self.app_id,
            "tenantId": self.tenant_id,
            "errorCode": self.error_code,
            "reason": self.reason,
        }


class DescopeError(Exception):
    """Base class of every error raised by this library.

    ``str(err)`` is ``"CODE: message"``. Messages never contain a secret.
    """

    CODE: str = ""
    """The code of the class; ``code`` of an instance is normally the same."""

    code: str
    """The stable error code, e.g. ``"NOT_FOUND"``."""
    message: str
    """What happened and what to do next."""
    status: int | None
    """The HTTP status, when the server answered."""
    descope_code: str | None
    """Descope's own ``errorCode`` (e.g. ``"E011002"``), when the body carried one; ``code`` is
    this library's."""
    description: str | None
    """Descope's ``errorDescription``, or a sanitised excerpt of a non-JSON error body."""
    server_message: str | None
    """Descope's ``errorMessage``, when the body carried one."""
    request_id: str | None
    """The server's id of the call's last answer (``cf-ray``, else ``x-request-id``): quote it
    to Descope support."""
    external_request_id: str | None
    """The call's correlation id, sent as ``x-external-rid`` on each attempt and recorded in the
    project's audit log; ``None`` when nothing was attempted (bad input or settings)."""

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        descope_code: str | None = None,
        description: str | None = None,
        server_message: str | None = None,
        request_id: str | None = None,
        external_request_id: str | None = None,
    ) -> None:
        code = code or type(self).CODE
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.message = message
        self.status = status
        self.descope_code = descope_code
        self.description = description
        self.server_message = server_message
        self.request_id = request_id
        self.external_request_id = external_request_id

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuild from the message, then restore every attribute: works for the
        # OSError-based subclasses too, whose default reduce would pass the formatted text.
        return (type(self), (self.message,), dict(self.__dict__))

    def __repr__(self) -> str:
        extra = f", status={self.status!r}" if self.status is not None else ""
        return f"{type(self).__name__}({self.message!r}, code={self.code!r}{extra})"


class InvalidArgumentError(DescopeError, ValueError):
    """``INVALID_ARGUMENT``: bad input, caught before anything was sent."""

    CODE = "INVALID_ARGUMENT"


class ConfigError(DescopeError):
    """``CONFIG``: bad or missing configuration (project id, management key, base URL, options)."""

    CODE = "CONFIG"


class AuthenticationError(DescopeError):
    """``UNAUTHORIZED`` (HTTP 401): the project id or management key was rejected."""

    CODE = "UNAUTHORIZED"


class PermissionDeniedError(DescopeError):
    """``FORBIDDEN`` (HTTP 403): the management key may not perform this call."""

    CODE = "FORBIDDEN"


class NotFoundError(DescopeError):
    """``NOT_FOUND`` (HTTP 404): the object (or the endpoint) does not exist."""

    CODE = "NOT_FOUND"


class RateLimitError(DescopeError):
    """``RATE_LIMITED`` (HTTP 429). ``retry_after`` is the server's wait in seconds, if given."""

    CODE = "RATE_LIMITED"

    retry_after: float | None
    """Seconds the server asked to wait before trying again (``Retry-After``), or None."""

    def __init__(
        self, message: str = "", *, retry_after: float | None = None, **fields: Unpack[_ErrorFields]
    ) -> None:
        super().__init__(message, **fields)
        self.retry_after = retry_after


class BatchRejectedError(DescopeError):
    """``BATCH_REJECTED``: the server refused some tokens, so nothing was stored.

    ``failures`` lists every refused item; fix them and upload the whole batch again.
    """

    CODE = "BATCH_REJECTED"

    failures: list[BatchFailure]
    """Every item the server refused."""

    def __init__(
        self,
        message: str = "",
        *,
        failures: list[BatchFailure] | None = None,
        **fields: Unpack[_ErrorFields],
    ) -> None:
        super().__init__(message, **fields)
        self.failures = list(failures) if failures is not None else []


class ApiError(DescopeError):
    """``API_ERROR``: any other HTTP 4xx."""

    CODE = "API_ERROR"


class ServerError(DescopeError):
    """``SERVER_ERROR``: an HTTP 5xx carrying a Descope error body."""

    CODE = "SERVER_ERROR"


class TimeoutError(DescopeError, builtins.TimeoutError):  # noqa: A001
    """``TIMEOUT``: timed out connecting; nothing was sent, so trying again is safe.

    Also a builtin :class:`TimeoutError`.
    """

    CODE = "TIMEOUT"


class ConnectionError(DescopeError, builtins.ConnectionError):  # noqa: A001
    """``CONNECTION``: could not connect; nothing was sent, so trying again is safe.

    Also a builtin :class:`ConnectionError`.
    """

    CODE = "CONNECTION"


class OutcomeUnknownError(DescopeError):
    """``OUTCOME_UNKNOWN``: the request may have been applied (e.g. it timed out after
    being sent). Check the server's state before repeating a call that is not idempotent.
    """

    CODE = "OUTCOME_UNKNOWN"


class DecodeError(DescopeError):
    """``DECODE``: a malformed, non-JSON or oversized response body."""

    CODE = "DECODE"


_BY_CODE: dict[str, type[DescopeError]] = {
    cls.CODE: cls
    for cls in (
        InvalidArgumentError,
        ConfigError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        RateLimitError,
        BatchRejectedError,
        ApiError,
        ServerError,
        TimeoutError,
        ConnectionError,
        OutcomeUnknownError,
        DecodeError,
    )
}
"""Maps each code string to its class; used by the native module to raise errors."""


class InterruptedAfterSend(KeyboardInterrupt):
    """Ctrl-C (``KeyboardInterrupt``) arrived while a blocking ``Client`` call that is not
    safe to repeat (``rotate_access_key``, ``create_dcr_template``) was in flight, after its
    request may have reached the server.

    Abandoning the call then could hide an applied change (a rotation whose new secret
    nobody received), so the client let it finish (within its timeout) and raises this
    instead of a plain ``KeyboardInterrupt``. It *is* a ``KeyboardInterrupt``: an
    ``except KeyboardInterrupt`` handler, or the interpreter's default behaviour, still stops
    the program. The call's outcome is kept on the exception:

    * ``result``: what the call returned (e.g. the ``RotatedAccessKey``), or ``None``;
    * ``error``: the :class:`DescopeError` the call raised instead, or ``None``.

    ``str()`` and ``repr()`` never show the result.
    """

    call: str
    """The method that was interrupted, e.g. ``"rotate_access_key"``."""
    result: object
    """The call's return value, or ``None`` if it raised."""
    error: DescopeError | None
    """The error the call raised, or ``None`` if it returned."""

    def __init__(self, call: str = "", *, result: object = None, error: DescopeError | None = None) -> None:
        outcome = "its error is in .error" if error is not None else "its result is in .result"
        super().__init__(
            f"interrupted after the {call or 'call'} request was sent; the call was allowed to "
            f"finish so its outcome is not lost: {outcome}"
        )
        self.call = call
        self.result = result
        self.error = error

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.call,), {"result": self.result, "error": self.error})
