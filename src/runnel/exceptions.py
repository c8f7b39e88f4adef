"""The errors runnel raises.

RunnelError
├── OutputParserException (also ValueError)    malformed model output; keeps llm_output
├── StreamInterrupted                           a stream failed after chunks were delivered
├── RecursionLimitError (also RecursionError)   recursion_limit exceeded
└── ProviderError                               a provider call failed; never holds a key
    ├── ProviderTimeout (also TimeoutError)
    ├── IncompleteStreamError                   the stream ended without its terminal event
    └── MissingAPIKeyError (also ValueError)    no key given and its variable is unset
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "IncompleteStreamError",
    "MissingAPIKeyError",
    "OutputParserException",
    "ProviderError",
    "ProviderTimeout",
    "RecursionLimitError",
    "RunnelError",
    "StreamInterrupted",
]


class RunnelError(Exception):
    """Base class of every error runnel raises on its own account."""


class OutputParserException(ValueError, RunnelError):
    """Model output could not be parsed; `llm_output` keeps the raw text."""

    def __init__(
        self,
        error: Any,
        observation: str | None = None,
        llm_output: str | None = None,
        send_to_llm: bool = False,
    ) -> None:
        super().__init__(error)
        self.observation = observation
        self.llm_output = llm_output
        self.send_to_llm = send_to_llm


class StreamInterrupted(RunnelError):
    """A stream failed after it had already delivered chunks.

    Retries and fallbacks are transparent only until the first chunk; after that
    the failure surfaces as this error. `partial` is the aggregate of the chunks
    already delivered, `error` the original exception (also `__cause__`).
    """

    def __init__(self, error: BaseException, partial: Any, chunks: int) -> None:
        super().__init__(
            f"stream failed after {chunks} chunk(s) had been delivered: "
            f"{type(error).__name__}: {error}"
        )
        self.error = error
        self.partial = partial
        self.chunks = chunks


class RecursionLimitError(RecursionError, RunnelError):
    """A runnable kept returning runnables past `recursion_limit`."""


class ProviderError(RunnelError):
    """A model provider failed; carries provider, status and body, never the key.

    Attributes:
        retryable: Whether trying again may succeed (timeouts, dropped connections,
            408, 409, 429, 5xx).
        retry_after: Seconds the provider asked to wait, if it said.
        partial: When the failure came mid-stream, the chunks already delivered, added up.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.status_code = status_code
        self.body = body
        self.retryable = False
        self.retry_after: float | None = None
        self.partial: Any = None


class ProviderTimeout(ProviderError, TimeoutError):
    """A provider request timed out."""


class IncompleteStreamError(ProviderError):
    """A provider stream ended without its protocol's terminal event."""


class MissingAPIKeyError(ProviderError, ValueError):
    """No API key was passed and the environment variable that holds it is unset."""

    def __init__(self, *, provider: str, variable: str, parameter: str = "api_key") -> None:
        super().__init__(
            f"no API key: set the {variable} environment variable or pass {parameter}=...",
            provider=provider,
        )
        self.variable = variable
