"""Fake text LLMs for tests and demos (`langchain_core.language_models.fake`)."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

import anyio
from pydantic import PrivateAttr

from runnel.callbacks.manager import AsyncRunManager, RunManager
from runnel.language_models._fake_chat import abatch_in_order, batch_in_order
from runnel.language_models._llms import LLM
from runnel.messages._base import construct
from runnel.outputs import GenerationChunk
from runnel.runnables._config import RunnableConfig

__all__ = ["FakeListLLM", "FakeListLLMError", "FakeStreamingListLLM"]


class FakeListLLMError(Exception):
    """Raised by `FakeStreamingListLLM` at its `error_on_chunk_number`."""


class FakeListLLM(LLM):
    """Completes with `responses` in turn (cycling); does not stream.

    Attributes:
        responses: The completions, used in order and then again from the start.
        sleep: Seconds to wait before each streamed character (`FakeStreamingListLLM`).
        i: The index of the next completion.
    """

    responses: list[str]
    sleep: float | None = None
    i: int = 0

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "fake-list"

    @property
    def _identifying_params(self) -> Mapping[str, Any]:
        return {"responses": self.responses}

    def _next(self) -> str:
        with self._lock:
            response = self.responses[self.i]
            self.i = self.i + 1 if self.i < len(self.responses) - 1 else 0
        return response

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> str:
        return self._next()

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> str:
        return self._next()

    def batch(
        self,
        inputs: Sequence[Any],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Invoke on each input in turn, so completion `k` goes to input `k`."""
        return batch_in_order(self, inputs, config, return_exceptions, kwargs)

    async def abatch(
        self,
        inputs: Sequence[Any],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Async twin of `batch`: one input after the other."""
        return await abatch_in_order(self, inputs, config, return_exceptions, kwargs)


class FakeStreamingListLLM(FakeListLLM):
    """A `FakeListLLM` that streams its completions character by character.

    Attributes:
        error_on_chunk_number: Raise `FakeListLLMError` instead of streaming the character
            at this index.
    """

    error_on_chunk_number: int | None = None

    def _chars(self) -> Iterator[GenerationChunk]:
        response = self._next()
        for index, char in enumerate(response or [""]):
            if index == self.error_on_chunk_number:
                raise FakeListLLMError(f"error on chunk {index}")
            yield construct(
                GenerationChunk, {"text": char, "generation_info": None, "type": "GenerationChunk"}
            )

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        for chunk in self._chars():
            if self.sleep is not None:
                time.sleep(self.sleep)
            yield chunk

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        for chunk in self._chars():
            if self.sleep is not None:
                await anyio.sleep(self.sleep)
            yield chunk
