"""Fake models for `runnel demo` that stream a script of tokens at a visible pace.

Unlike the library's fakes (which split on whitespace or stream characters), these
stream the tokens they are given, so the demo looks like the seeds' outputs:
``Spark|ling| water|,| oh| so clear|``.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio

from runnel.callbacks.manager import AsyncRunManager, RunManager
from runnel.language_models import LLM, BaseChatModel
from runnel.messages import AIMessage, AIMessageChunk, BaseMessage
from runnel.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, GenerationChunk

__all__ = ["DemoChatModel", "DemoLLM", "tokens"]

_TOKEN = re.compile(
    r"\n+|[^\S\n]*[A-Za-z']{1,7}|[^\S\n]*\d{1,3}|[^\S\n]*[^\sA-Za-z'\d]{1,2}|[^\S\n]+"
)


def tokens(text: str) -> list[str]:
    """`text` cut into token-sized pieces, each carrying its leading whitespace.

    Words longer than seven letters and numbers longer than three digits are cut, as a
    tokenizer would (``"Sparkling"`` -> ``"Sparkli", "ng"``).
    """
    return _TOKEN.findall(text)


class DemoChatModel(BaseChatModel):
    """Answers every prompt with `script`, streamed one token per `delay` seconds.

    Attributes:
        script: The answer's tokens, in order; they add up to the whole answer.
        delay: Seconds to wait before each token.
    """

    script: list[str]
    delay: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "demo-chat-model"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage("".join(self.script)))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for token in self.script:
            time.sleep(self.delay)
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for token in self.script:
            await anyio.sleep(self.delay)
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))


class DemoLLM(LLM):
    """A text LLM that completes every prompt with `script`, one token per `delay` seconds.

    Attributes:
        script: The completion's tokens, in order.
        delay: Seconds to wait before each token.
    """

    script: list[str]
    delay: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "demo-llm"

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> str:
        return "".join(self.script)

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        for token in self.script:
            time.sleep(self.delay)
            yield GenerationChunk(text=token)

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        for token in self.script:
            await anyio.sleep(self.delay)
            yield GenerationChunk(text=token)
