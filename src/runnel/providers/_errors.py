"""Provider failures as runnel errors, and when to try again.

The official SDKs each raise their own exception types; `to_provider_error` reads what they
share (a status code, a JSON body, a response with headers) so every integration reports
failures the same way, and `Attempts` decides retries from that one shape.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

from runnel.exceptions import ProviderError, ProviderTimeout

__all__ = ["Attempts", "aretrying", "retry_after", "retrying", "to_provider_error"]

T = TypeVar("T")

_RETRYABLE_STATUS = frozenset({408, 409, 429})
_CONNECTION_WORDS = ("Connection", "RemoteProtocol", "ReadError", "NetworkError", "Protocol")
_MAX_SERVER_DELAY = 60.0


def to_provider_error(error: BaseException, provider: str) -> ProviderError:
    """`error` (from an SDK or the HTTP client) as a `ProviderError` naming the provider.

    The status code, the provider's message (from its JSON error body) and the
    ``retry-after`` hint are kept; the original error is the ``__cause__``.
    """
    if isinstance(error, ProviderError):
        return error
    names = [cls.__name__ for cls in type(error).__mro__]
    status = _status(error)
    body = getattr(error, "body", None)
    message = _message(body) or getattr(error, "message", None) or str(error) or names[0]
    result: ProviderError
    if status is None and (isinstance(error, TimeoutError) or any("Timeout" in n for n in names)):
        result = ProviderTimeout(f"request timed out ({names[0]})", provider=provider)
    elif status is None and any(w in n for n in names for w in _CONNECTION_WORDS):
        result = ProviderError(f"connection failed: {message}", provider=provider)
        result.retryable = True
    elif status is None:
        result = ProviderError(f"{names[0]}: {message}", provider=provider, body=body)
    else:
        result = ProviderError(
            f"HTTP {status}: {message}", provider=provider, status_code=status, body=body
        )
        result.retryable = status in _RETRYABLE_STATUS or status >= 500
    headers = _headers(error)
    should = headers.get("x-should-retry") if hasattr(headers, "get") else None
    if should in ("true", "false"):  # the server's word overrides the status
        result.retryable = should == "true"
    result.retry_after = retry_after(headers)
    result.__cause__ = error
    return result


def retry_after(headers: Any) -> float | None:
    """Seconds the server asked to wait (``retry-after-ms`` or ``retry-after``), if any."""
    if not headers:
        return None
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return float(ms) / 1000
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class Attempts:
    """Retry bookkeeping for one call: which failures are retried and how long to wait.

    A failure is retried when nothing has been delivered yet, the error is retryable (a
    timeout, a dropped connection, 408, 409, 429 or 5xx) and fewer than `max_retries`
    retries were made. The wait is the server's ``retry-after`` when it gives one (up to
    60 s), else exponential back-off from 0.5 s to 8 s with jitter.
    """

    def __init__(self, provider: str, max_retries: int) -> None:
        self.provider = provider
        self.max_retries = max(0, max_retries)
        self.retries = 0

    def failed(self, error: BaseException, delivered: bool) -> tuple[ProviderError, float | None]:
        """The error to raise, and the seconds to wait before retrying (None: give up)."""
        converted = to_provider_error(error, self.provider)
        retryable = converted.retryable or isinstance(converted, ProviderTimeout)
        if delivered or not retryable or self.retries >= self.max_retries:
            return converted, None
        hinted = converted.retry_after
        if hinted is not None and 0 <= hinted <= _MAX_SERVER_DELAY:
            delay = hinted
        else:
            delay = min(8.0, 0.5 * 2**self.retries) * (1 - 0.25 * random.random())
        self.retries += 1
        return converted, delay

    def wait(
        self, error: Exception, delivered: int = 0, partial: Callable[[], Any] | None = None
    ) -> float:
        """Seconds to wait before retrying after `error`.

        Raises:
            ProviderError: the call is not retried (something was delivered, the error is not
                retryable, or the retries are used up); `partial()` is its ``partial`` when
                something was delivered. A warning turned into an error is re-raised as is:
                it is the caller's, not the provider's.
        """
        if isinstance(error, Warning):
            raise error
        converted, delay = self.failed(error, delivered > 0)
        if delay is None:
            if delivered and partial is not None and converted.partial is None:
                converted.partial = partial()
            if converted is error:
                raise converted
            raise converted from error
        return delay


def retrying(provider: str, max_retries: int, call: Callable[[], T]) -> T:
    """`call()`, retried as `Attempts` decides (a whole, non-streamed provider call)."""
    attempts = Attempts(provider, max_retries)
    while True:
        try:
            return call()
        except Exception as error:
            time.sleep(attempts.wait(error))


async def aretrying(provider: str, max_retries: int, call: Callable[[], Awaitable[T]]) -> T:
    """Async twin of `retrying`."""
    attempts = Attempts(provider, max_retries)
    while True:
        try:
            return await call()
        except Exception as error:
            await anyio.sleep(attempts.wait(error))


def _status(error: BaseException) -> int | None:
    for name in ("status_code", "status", "code"):
        value = getattr(error, name, None)
        if isinstance(value, int) and 100 <= value <= 599:
            return value
    response = getattr(error, "response", None)
    value = getattr(response, "status_code", None)
    return value if isinstance(value, int) else None


def _headers(error: BaseException) -> Any:
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    return headers if headers is not None else getattr(error, "headers", None)


def _message(body: Any) -> str | None:
    if isinstance(body, str | bytes) and body[:1] in ("{", b"{"):
        with contextlib.suppress(ValueError):
            body = json.loads(body)
    if isinstance(body, dict) and isinstance(body.get("detail"), list):
        return "; ".join(
            str(item.get("msg", item)) if isinstance(item, dict) else str(item)
            for item in body["detail"]
        )
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            text = inner.get("message") or inner.get("detail")
            return str(text) if text else None
        if isinstance(inner, str):
            return inner
        text = body.get("message")
        return str(text) if text else None
    return body if isinstance(body, str) and body else None
