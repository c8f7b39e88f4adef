"""How server-side failures become HTTP answers: a status, a type and a safe message.

`HTTPProblem` is raised by the request helpers (auth, body, config, input) before a run
starts; `describe_error` turns any exception into an `ErrorInfo` for a JSON body or an
SSE `error` event. Messages are masked by default and never carry server paths or
anything that looks like a credential.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from runnel.exceptions import (
    OutputParserException,
    ProviderError,
    ProviderTimeout,
    RunnelError,
)

__all__ = ["ErrorInfo", "ErrorTranslator", "HTTPProblem", "describe_error", "redact"]


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What a client is told about a failure."""

    status_code: int
    type: str
    message: str
    detail: Any = None

    def to_json(self) -> dict[str, Any]:
        """The JSON body / `error` event payload: `{"status_code", "message", "type"}`."""
        out: dict[str, Any] = {
            "status_code": self.status_code,
            "message": self.message,
            "type": self.type,
        }
        if self.detail is not None:
            out["detail"] = self.detail
        return out


ErrorTranslator = Callable[[BaseException], ErrorInfo | None]
"""A hook mapping an exception to what the client sees; None falls back to the default."""


class HTTPProblem(RunnelError):
    """A request the server refuses before running anything (answered with its status)."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        type: str | None = None,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.type = type or _status_type(status_code)
        self.detail = detail
        self.headers: dict[str, str] = dict(headers or {})

    def info(self) -> ErrorInfo:
        """This problem as an `ErrorInfo` (never masked: the server wrote the message)."""
        return ErrorInfo(self.status_code, self.type, self.message, self.detail)


def _status_type(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.replace(" ", "")
    except ValueError:
        return "Error"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


_PROVIDER_STATUS = {429: 429, 400: 400, 413: 400, 422: 400, 404: 502}


def _status_of(exc: BaseException) -> int:
    if isinstance(exc, ProviderTimeout):
        return 504
    if isinstance(exc, ProviderError):
        return _PROVIDER_STATUS.get(exc.status_code or 0, 502)
    if isinstance(exc, TimeoutError):
        return 504
    if isinstance(exc, OutputParserException):
        return 502
    return 500


@dataclass(frozen=True, slots=True)
class _Patterns:
    rules: tuple[tuple[re.Pattern[str], str], ...] = field(
        default=(
            # credentials: bearer tokens, sk-/key-style secrets, key=value pairs
            (re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer <redacted>"),
            (re.compile(r"\b(?:sk|pk|rk|xox[bap]|gh[pousr])[-_][A-Za-z0-9_-]{8,}"), "<redacted>"),
            (
                re.compile(r"(?i)\b(api[_-]?key|token|secret|password)\b(\s*[:=]\s*)\S+"),
                r"\1\2<redacted>",
            ),
            # absolute paths (POSIX and Windows)
            (re.compile(r"(?<![\w.])(?:/[\w.@+-]+){2,}/?"), "<path>"),
            (re.compile(r"\b[A-Za-z]:\\(?:[\w.@+ -]+\\?)+"), "<path>"),
        )
    )


_PATTERNS = _Patterns()


def redact(text: str) -> str:
    """Remove server paths and credential-like strings from a message."""
    for pattern, replacement in _PATTERNS.rules:
        text = pattern.sub(replacement, text)
    return text


def describe_error(
    exc: BaseException, *, mask: bool = True, translator: ErrorTranslator | None = None
) -> ErrorInfo:
    """Describe `exc` for a client.

    `translator` is asked first. Otherwise the status follows the error (a provider's 429
    stays 429, a timeout is 504, anything unexpected is 500), the type is the exception's
    class name, and the message is the status phrase when `mask` is on, else the
    exception's text with server paths and credentials redacted.
    """
    if isinstance(exc, HTTPProblem):
        return exc.info()
    if translator is not None:
        info = translator(exc)
        if info is not None:
            return info
    status = _status_of(exc)
    kind = type(exc).__name__
    if mask:
        return ErrorInfo(status, kind, _phrase(status))
    text = str(exc).strip() or _phrase(status)
    return ErrorInfo(status, kind, redact(text))
