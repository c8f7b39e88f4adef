"""One guarded provider stream: retries before the first chunk, typed errors, completeness.

Every integration streams the same way: open the SDK's stream, feed each event to the
provider's `StreamDecoder`, yield the chunks it returns. `Guard` holds what is shared by
the sync and async loops of `ProviderChatModel` and `ProviderLLM`: retry decisions, error
conversion, the check that the protocol's terminal event arrived, and the partial output
an error carries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from runnel._core.fold import Accumulator
from runnel.exceptions import IncompleteStreamError
from runnel.providers._errors import Attempts

__all__ = ["Guard", "StreamDecoder"]

C = TypeVar("C")
C_co = TypeVar("C_co", covariant=True)


class StreamDecoder(Protocol[C_co]):
    """Turns a provider's stream events into chunks; knows when the stream is complete.

    `feed` returns the chunk an event carries (None for events that carry nothing a user
    sees) and raises `ProviderError` for the protocol's error events. `done` becomes True
    once the protocol's terminal event (``[DONE]``, ``message_stop``, a finish reason...)
    has been seen.
    """

    done: bool

    def feed(self, event: Any) -> C_co | None: ...


class Guard(Generic[C]):
    """The state of one streamed call across its attempts."""

    def __init__(
        self,
        provider: str,
        max_retries: int,
        decoder: Callable[[], StreamDecoder[C]],
        part: Callable[[C], Any],
    ) -> None:
        self._attempts = Attempts(provider, max_retries)
        self._new_decoder = decoder
        self._part = part
        self._kept = Accumulator()  # what was delivered, for an error's `partial`
        self.provider = provider
        self.delivered = 0
        self.decoder: StreamDecoder[C]

    def attempt(self) -> None:
        """Start an attempt, with a fresh decoder."""
        self.decoder = self._new_decoder()

    def chunk(self, event: Any) -> C | None:
        """The chunk `event` carries, recorded as delivered."""
        chunk = self.decoder.feed(event)
        if chunk is not None:
            self.delivered += 1
            self._kept.add(self._part(chunk))
        return chunk

    def finish(self) -> None:
        """Check the stream ended with its terminal event.

        Raises:
            IncompleteStreamError: it did not; the chunks delivered are its `partial`.
        """
        if not self.decoder.done:
            raise IncompleteStreamError(
                f"the stream ended without its terminal event after {self.delivered} "
                "chunk(s): the answer may be truncated",
                provider=self.provider,
            )

    def failed(self, error: Exception) -> float:
        """Seconds to wait before retrying after `error`.

        Raises:
            ProviderError: when the call is not retried (something was delivered, the error
                is not retryable, or the retries are used up), with `partial` set.
        """
        return self._attempts.wait(error, self.delivered, self._kept.value)
