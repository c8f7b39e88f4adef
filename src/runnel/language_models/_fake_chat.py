"""Fake chat models for tests and demos (`langchain_core.language_models.fake_chat_models`).

Each fake implements the async hooks natively (no worker thread per call or chunk) and
takes an optional `sleep`: a delay in seconds before each streamed chunk, for demos.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import anyio
from pydantic import PrivateAttr

from runnel.callbacks.manager import AsyncRunManager, RunManager
from runnel.language_models._chat import BaseChatModel, SimpleChatModel
from runnel.messages import AIMessage, AIMessageChunk, BaseMessage
from runnel.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from runnel.utils.function_calling import convert_to_openai_tool

if TYPE_CHECKING:
    from runnel.language_models._base import LanguageModelInput
    from runnel.runnables import Runnable

__all__ = [
    "FakeListChatModel",
    "FakeListChatModelError",
    "FakeMessagesListChatModel",
    "GenericFakeChatModel",
    "ParrotFakeChatModel",
]


class FakeListChatModelError(Exception):
    """Raised by `FakeListChatModel` at its `error_on_chunk_number`."""


def _text_chunk(text: str, id: str | None = None, *, last: bool = False) -> ChatGenerationChunk:
    """A text-only `ChatGenerationChunk` (the fakes' per-token chunk)."""
    message = AIMessageChunk(text, id=id, chunk_position="last" if last else None)
    return ChatGenerationChunk(message=message)


class GenericFakeChatModel(BaseChatModel):
    """Answers with the next message of `messages` (an iterator of `AIMessage` or `str`).

    Streams the content split on whitespace (``re.split(r"(\\s)", content)``: each
    whitespace character is its own chunk), then ``additional_kwargs`` (a
    ``function_call``'s arguments split on commas), then the tool calls: each call's
    arguments as JSON, split on whitespace like the content, one ``tool_call_chunks``
    piece per chunk (the first piece carries the name and id, as providers stream them).
    Usage and response metadata ride on the last chunk, which is marked
    ``chunk_position="last"``.

    `bind_tools` records the tools (in OpenAI's format) and the tool choice as bound
    arguments, so `with_structured_output` works; the answers do not depend on them.

    Attributes:
        messages: The answers, in order; pass `iter([...])` or `itertools.cycle([...])`.
        sleep: Seconds to wait before each streamed chunk (for demos).
    """

    messages: Iterator[AIMessage | str]
    sleep: float | None = None

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "generic-fake-chat-model"

    def bind_tools(
        self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """This model with `tools` (converted with `convert_to_openai_tool`, with `strict`
        if given) and `tool_choice` bound as call arguments."""
        strict = kwargs.pop("strict", None)
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        converted = [convert_to_openai_tool(tool, strict=strict) for tool in tools]
        return self.bind(tools=converted, **kwargs)

    def _next(self) -> AIMessage:
        with self._lock:
            try:
                message = next(self.messages)
            except StopIteration:
                raise ValueError(
                    f"{type(self).__name__} has no messages left: give it more, "
                    "e.g. messages=itertools.cycle([...])"
                ) from None
        return AIMessage(message) if isinstance(message, str) else message

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._next())])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages, stop)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in _pieces(self._next()):
            if self.sleep is not None:
                time.sleep(self.sleep)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in _pieces(self._next()):
            if self.sleep is not None:
                await anyio.sleep(self.sleep)
            yield chunk


def _pieces(message: AIMessage) -> list[ChatGenerationChunk]:
    """The chunks `GenericFakeChatModel` streams for `message` (see its docstring)."""
    id_ = message.id
    content = message.content
    pieces: list[dict[str, Any]] = []
    if isinstance(content, str):
        if content:
            pieces.extend({"content": token} for token in re.split(r"(\s)", content))
    elif content:
        pieces.append({"content": content})
    for key, value in message.additional_kwargs.items():
        if key == "function_call" and isinstance(value, dict):
            for fkey, fvalue in value.items():
                parts = re.split(r"(,)", fvalue) if isinstance(fvalue, str) else [fvalue]
                pieces.extend(
                    {"content": "", "additional_kwargs": {key: {fkey: part}}} for part in parts
                )
        else:
            pieces.append({"content": "", "additional_kwargs": {key: value}})
    calls: list[dict[str, Any]] = [
        {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"]}
        for c in message.tool_calls
    ]
    calls += [
        {"name": c["name"], "args": c["args"], "id": c["id"]} for c in message.invalid_tool_calls
    ]
    for index, call in enumerate(calls):
        args = call["args"]
        parts = re.split(r"(\s)", args) if isinstance(args, str) else [args]
        first = {**call, "args": parts[0], "index": index}
        pieces.append({"content": "", "tool_call_chunks": [first]})
        pieces.extend(
            {"content": "", "tool_call_chunks": [{"args": part, "index": index}]}
            for part in parts[1:]
        )
    if not pieces:
        pieces.append({"content": ""})
    last = pieces[-1]
    if message.usage_metadata:
        last["usage_metadata"] = message.usage_metadata
    if message.response_metadata:
        last["response_metadata"] = message.response_metadata
    chunks = []
    for index, piece in enumerate(pieces):
        is_last = index == len(pieces) - 1
        if len(piece) == 1 and isinstance(piece["content"], str):
            chunks.append(_text_chunk(piece["content"], id_, last=is_last))
        else:
            chunk = AIMessageChunk(**piece, id=id_, chunk_position="last" if is_last else None)
            chunks.append(ChatGenerationChunk(message=chunk))
    return chunks


class FakeListChatModel(SimpleChatModel):
    """Answers with `responses` in turn (cycling); streams them character by character.

    Attributes:
        responses: The answers, used in order and then again from the start.
        sleep: Seconds to wait before each answer and before each streamed character.
        i: The index of the next answer.
        error_on_chunk_number: Raise `FakeListChatModelError` instead of streaming the
            character at this index.
    """

    _batch_concurrency: ClassVar[int | None] = 1  # batch answers go in order

    responses: list[str]
    sleep: float | None = None
    i: int = 0
    error_on_chunk_number: int | None = None

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "fake-list-chat-model"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"responses": self.responses}

    def _next(self) -> str:
        return str(next_response(self))

    def _call(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> str:
        if self.sleep is not None:
            time.sleep(self.sleep)
        return self._next()

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.sleep is not None:
            await anyio.sleep(self.sleep)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self._next()))])

    def _chars(self) -> Iterator[tuple[int, ChatGenerationChunk]]:
        response = self._next()
        last = len(response) - 1
        for index, char in enumerate(response):
            if index == self.error_on_chunk_number:
                raise FakeListChatModelError(f"error on chunk {index}")
            yield index, _text_chunk(char, last=index == last)
        if not response:
            yield 0, _text_chunk("", last=True)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for _, chunk in self._chars():
            if self.sleep is not None:
                time.sleep(self.sleep)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for _, chunk in self._chars():
            if self.sleep is not None:
                await anyio.sleep(self.sleep)
            yield chunk


class FakeMessagesListChatModel(BaseChatModel):
    """Answers with the messages of `responses` in turn (cycling); does not stream.

    Attributes:
        responses: The answers, used in order and then again from the start.
        sleep: Seconds to wait before each answer.
        i: The index of the next answer.
    """

    responses: list[BaseMessage]
    sleep: float | None = None
    i: int = 0

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "fake-messages-list-chat-model"

    def _next(self) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=next_response(self))])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.sleep is not None:
            time.sleep(self.sleep)
        return self._next()

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.sleep is not None:
            await anyio.sleep(self.sleep)
        return self._next()


class ParrotFakeChatModel(BaseChatModel):
    """Answers with (a copy of) the last input message; does not stream."""

    @property
    def _llm_type(self) -> str:
        return "parrot-fake-chat-model"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if not messages:
            raise ValueError("ParrotFakeChatModel needs at least one message to repeat")
        return ChatResult(generations=[ChatGeneration(message=messages[-1].model_copy())])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages)


def next_response(model: Any) -> Any:
    """The fake's next response (`model.responses[model.i]`), cycling; thread-safe."""
    with model._lock:
        response = model.responses[model.i]
        model.i = model.i + 1 if model.i < len(model.responses) - 1 else 0
    return response
