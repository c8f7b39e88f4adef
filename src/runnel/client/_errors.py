"""The errors `RemoteRunnable` raises.

RunnelError
└── RemoteError                              the server failed or refused the request
    ├── RemoteInputError (also ValueError)   400/413/422: the input, config or body is wrong
    ├── RemoteAuthError (also PermissionError)  401/403: missing or wrong API key
    ├── RemoteTimeout (also TimeoutError)    504, or the client's own timeout expired
    └── RemoteUnavailable (also ConnectionError)  503, connection refused or dropped
"""

from __future__ import annotations

from typing import Any

from runnel.exceptions import RunnelError

__all__ = [
    "RemoteAuthError",
    "RemoteError",
    "RemoteInputError",
    "RemoteTimeout",
    "RemoteUnavailable",
    "error_from_status",
]


class RemoteError(RunnelError):
    """A server answered with an error (status, JSON body or SSE `error` event).

    Attributes:
        status_code: The HTTP status the server reported (None for transport failures).
        error_type: The server's error type (e.g. "ProviderError"), when it sent one.
        body: The decoded error body or event data.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_type: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.error_type = error_type
        self.body = body


class RemoteInputError(RemoteError, ValueError):
    """The server refused the request: wrong input, config or body (400/413/422)."""


class RemoteAuthError(RemoteError, PermissionError):
    """The server wants a valid API key (401/403)."""


class RemoteTimeout(RemoteError, TimeoutError):
    """The server (504) or this client's timeout gave up waiting."""


class RemoteUnavailable(RemoteError, ConnectionError):
    """The server could not be reached, dropped the connection or is shutting down (503)."""


def error_from_status(
    status_code: int | None, message: str, *, error_type: str | None = None, body: Any = None
) -> RemoteError:
    """The `RemoteError` subclass for a status code, with a message naming it."""
    cls: type[RemoteError] = RemoteError
    if status_code in (400, 413, 422):
        cls = RemoteInputError
    elif status_code in (401, 403):
        cls = RemoteAuthError
    elif status_code == 504:
        cls = RemoteTimeout
    elif status_code == 503:
        cls = RemoteUnavailable
    text = message
    if status_code is not None:
        kind = f" ({error_type})" if error_type else ""
        text = f"server error {status_code}{kind}: {message}"
    return cls(text, status_code=status_code, error_type=error_type, body=body)
