"""Fake text LLMs for tests and demos (`langchain_core.language_models.fake`)."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, ClassVar

import anyio
from pydantic import PrivateAttr

from runnel.callbacks.manager import AsyncRunManager, RunManager
from runnel.language_models._fake_chat import next_response
from runnel.language_models._llms import LLM
from runnel.messages._base import construct
from runnel.outputs import GenerationChunk

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

    _batch_concurrency: ClassVar[int | None] = 1  # batch answers go in order

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
        return str(next_response(self))

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
