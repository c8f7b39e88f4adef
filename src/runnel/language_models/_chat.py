"""Chat models: messages in, an `AIMessage` out (`langchain_core.language_models.chat_models`)."""

from __future__ import annotations

import abc
import json
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, overload

from runnel._core.fold import Accumulator
from runnel.callbacks.manager import AsyncRunManager, RunManager
from runnel.language_models._base import (
    BaseLanguageModel,
    LanguageModelInput,
    _Call,
    _fallback,
    call_sync_hook,
    stream_sync_hook,
)
from runnel.language_models._structured import StructuredOutputMethod, with_structured_output
from runnel.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    BaseMessageChunk,
    HumanMessage,
    convert_to_messages,
    message_chunk_to_message,
)
from runnel.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, LLMResult

if TYPE_CHECKING:
    from pydantic import BaseModel

    from runnel.outputs import Generation
    from runnel.runnables import Runnable

    M = TypeVar("M", bound=BaseModel)

__all__ = ["BaseChatModel", "SimpleChatModel"]


class BaseChatModel(BaseLanguageModel[AIMessage]):
    """Base class of chat models, for provider integrations.

    Implement `_generate` (messages in, a `ChatResult` out) and `_llm_type`; optionally
    `_agenerate`, `_stream` / `_astream` (yielding `ChatGenerationChunk`) and
    `_identifying_params`. Without `_astream`, `astream` iterates `_stream` in a worker
    thread, one hop per chunk (inline if the class sets `_sync_is_cheap = True`); without
    either, `stream` yields the whole `AIMessage` as its one chunk.

    Input: a string (one human message), a list of message-like values (see
    `convert_to_messages`) or a prompt value (anything with ``to_messages()``).
    """

    _run_type: ClassVar[str] = "chat_model"
    _lm_model_type: ClassVar[str] = "chat"

    @property
    def OutputType(self) -> Any:
        """Chat models return an `AIMessage`."""
        return AIMessage

    # -- provider hooks ------------------------------------------------------------------
    @abc.abstractmethod
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Answer `messages` with one `ChatResult` (one generation).

        A model that streams internally may report tokens through
        ``run_manager.on_llm_new_token``.
        """

    @_fallback
    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Stream the answer to `messages` as `ChatGenerationChunk`s (optional).

        The base reports each chunk as a token before yielding it; calls to
        ``run_manager.on_llm_new_token`` are accepted but not forwarded, so a model that
        reports its tokens itself does not report them twice.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement _stream")

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Async twin of `_generate`; by default `_generate` in a worker thread."""
        return await call_sync_hook(self, self._generate, messages, stop, run_manager, kwargs)

    @_fallback
    def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        """Async twin of `_stream`; by default `_stream`, one worker-thread hop per chunk."""
        return stream_sync_hook(self, messages, stop, run_manager, kwargs)

    def bind_tools(
        self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any
    ) -> Any:
        """A copy of the model that may call `tools`; provider integrations implement it.

        Raises:
            NotImplementedError: always, in this base class.
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not support tool calling: its provider "
            "integration must implement bind_tools"
        )

    @overload
    def with_structured_output(
        self,
        schema: type[M],
        *,
        method: StructuredOutputMethod = ...,
        include_raw: Literal[False] = ...,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, M]: ...

    @overload
    def with_structured_output(
        self,
        schema: Any = ...,
        *,
        method: StructuredOutputMethod = ...,
        include_raw: bool = ...,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]: ...

    def with_structured_output(
        self,
        schema: Any = None,
        *,
        method: StructuredOutputMethod = "function_calling",
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """A runnable answering with a dict or pydantic object that fits `schema`, streamed.

        ``function_calling`` binds `schema` as the one tool the model must call
        (`bind_tools`); ``json_mode`` and ``json_schema`` bind the ``response_format`` an
        OpenAI-style provider reads. ``stream`` yields the object so far each time it grows;
        the complete object is validated against `schema`.

        Args:
            schema: A pydantic model class, a TypedDict class, a JSON schema (a dict with a
                top-level ``title``) or an OpenAI / Anthropic tool dict; None only with
                ``json_mode`` (any JSON object).
            method: ``"function_calling"``, ``"json_mode"`` or ``"json_schema"``.
            include_raw: Answer ``{"raw": AIMessage, "parsed": ..., "parsing_error": ...}``
                instead of raising when the output cannot be parsed.
            **kwargs: ``strict`` (bool): the tool's / JSON schema's strict flag.

        Raises:
            ValueError: an unknown method or argument, a missing or unsupported schema.
            NotImplementedError: ``function_calling`` on a model without tool calling.
            OutputParserException: (when run, without `include_raw`) the output does not
                fit `schema`.
        """
        strict = kwargs.pop("strict", None)
        if kwargs:
            raise ValueError(
                f"with_structured_output got unsupported arguments {sorted(kwargs)}; "
                "it takes schema, method, include_raw and strict"
            )
        return with_structured_output(
            self, schema, method=method, include_raw=include_raw, strict=strict
        )

    # -- the chat family -----------------------------------------------------------------
    def _lm_input(self, input: LanguageModelInput) -> list[BaseMessage]:
        if isinstance(input, str):
            return [HumanMessage(input)]
        to_messages = getattr(input, "to_messages", None)
        if to_messages is not None:
            return list(to_messages())
        if isinstance(input, Sequence):
            return convert_to_messages(input)
        raise ValueError(
            f"Invalid input type {type(input).__name__} for {self.get_name()}: "
            "pass a string, a list of messages or a prompt value"
        )

    def _lm_run_inputs(self, input: Any) -> dict[str, Any]:
        return {"messages": [input]}

    def _run_output(self, output: Any) -> Any:
        if isinstance(output, BaseMessageChunk):
            generation: ChatGeneration = ChatGenerationChunk(message=output)
        elif isinstance(output, BaseMessage):
            generation = ChatGeneration(message=output)
        else:
            return output
        return LLMResult(generations=[[generation]])

    @classmethod
    def _lm_provider(cls) -> str:
        name = cls.__name__
        if name.startswith("Chat"):
            name = name[4:]
        elif name.endswith("Chat"):
            name = name[:-4]
        return name.lower()

    def _lm_chunk_stream(self, call: _Call, keep: bool) -> _MessageStream:
        return _MessageStream(call, keep)

    def _lm_whole(self, call: _Call) -> BaseMessage:
        manager = RunManager(call.run, call.config, forward_tokens=True)
        result = self._generate(call.input, stop=call.stop, run_manager=manager, **call.kwargs)
        return _answer(result, call)

    async def _lm_awhole(self, call: _Call) -> BaseMessage:
        manager = AsyncRunManager(call.run, call.config, forward_tokens=True)
        result = await self._agenerate(
            call.input, stop=call.stop, run_manager=manager, **call.kwargs
        )
        if call.run is not None and call.run.pending:
            await call.run.adrain()
        return _answer(result, call)

    def _lm_cache_prompt(self, input: Any) -> str:
        messages = [
            {"type": m.type, **{k: v for k, v in m.model_dump().items() if k != "id"}}
            for m in input
        ]
        return json.dumps(messages, sort_keys=True, default=str)

    def _lm_from_generations(self, generations: Sequence[Generation]) -> BaseMessage:
        first = generations[0]
        message = getattr(first, "message", None)
        return message if isinstance(message, BaseMessage) else AIMessage(first.text)

    def _lm_to_generations(self, output: Any) -> list[Generation]:
        return [ChatGeneration(message=message_chunk_to_message(output))]


class SimpleChatModel(BaseChatModel):
    """A chat model written as one function: implement `_call` (messages in, text out)."""

    @abc.abstractmethod
    def _call(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> str:
        """Answer `messages` with text."""

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._call(messages, stop=stop, run_manager=run_manager, **kwargs)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])


def _answer(result: ChatResult, call: _Call) -> BaseMessage:
    """The message of a `ChatResult`, with an id and the generation's metadata.

    The provider's message is copied, not changed: a model may return the same object twice.
    """
    generation = result.generations[0]
    message = generation.message
    update: dict[str, Any] = {}
    if message.id is None:
        update["id"] = f"{call.message_id()}-0"
    info = generation.generation_info
    llm_output = result.llm_output if len(result.generations) == 1 else None
    if info or llm_output:
        update["response_metadata"] = {
            **(llm_output or {}),
            **(info or {}),
            **message.response_metadata,
        }
    return message.model_copy(update=update) if update else message


class _MessageStream:
    """Turns a provider's `ChatGenerationChunk`s into the `AIMessageChunk`s `stream` yields.

    Each chunk gets the call's id unless the provider set one, and its generation info in
    its response metadata; a stream whose last chunk is not marked ``chunk_position="last"``
    gets an empty closing chunk that is.
    """

    __slots__ = ("_call", "_kept", "_last")

    def __init__(self, call: _Call, keep: bool) -> None:
        self._call = call
        # plain text chunks are kept as their strings: few live objects for the GC
        self._kept = Accumulator() if keep else None
        self._last: BaseMessageChunk | None = None

    def feed(self, chunk: ChatGenerationChunk) -> tuple[Any, BaseMessageChunk]:
        message = chunk.message
        fields = message.__dict__  # set in place, as langchain-core does; no re-validation
        if fields["id"] is None:
            fields["id"] = self._call.message_id()
        if chunk.generation_info:
            fields["response_metadata"] = {**chunk.generation_info, **message.response_metadata}
        self._last = message
        if self._kept is not None:
            self._kept.add(message)
        return message.content, message

    def close(self) -> tuple[Any, Any, Any] | None:
        last = self._last
        if last is None:
            raise ValueError("No generation chunks were returned")
        if not isinstance(last, AIMessageChunk) or last.chunk_position == "last":
            return None
        content: Any = "" if isinstance(last.content, str) else []
        tail = AIMessageChunk(content, chunk_position="last", id=self._call.message_id())
        if self._kept is not None:
            self._kept.add(tail)
        return content, ChatGenerationChunk(message=tail), tail

    def single(self, output: Any) -> tuple[Any, Any, Any]:
        if isinstance(output, BaseMessageChunk):
            chunk = output
        elif isinstance(output, AIMessage):
            fields = {k: getattr(output, k) for k in AIMessage.model_fields if k != "type"}
            chunk = AIMessageChunk(**fields, chunk_position="last")
        else:
            chunk = AIMessageChunk(output.content, id=output.id, chunk_position="last")
        return chunk.content, ChatGenerationChunk(message=chunk), chunk

    def result(self) -> BaseMessage:
        assert self._kept is not None, "result() needs a stream that keeps its chunks"
        return message_chunk_to_message(self._kept.value())
