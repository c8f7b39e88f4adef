"""Fixtures for the model tests: scripted models, recorders, and both call paths."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import aclosing
from typing import Any
from uuid import UUID

import pytest

from runnel._core.run import Listener, Run
from runnel.callbacks import AsyncRunManager, BaseCallbackHandler, RunManager
from runnel.language_models import BaseChatModel, BaseLLM
from runnel.messages import AIMessage, AIMessageChunk, BaseMessage
from runnel.outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    ChatResult,
    Generation,
    GenerationChunk,
    LLMResult,
)
from runnel.runnables import Runnable, RunnableConfig


def cut(tokens: list[str], stop: list[str] | None) -> list[str]:
    """The tokens before the first one containing a stop string."""
    out = []
    for token in tokens:
        if stop and any(s in token for s in stop):
            break
        out.append(token)
    return out


class TokenChatModel(BaseChatModel):
    """Streams exactly `tokens`, built the way an integration subclasses a chat model.

    The same model the conformance scenarios use: the last chunk is marked, `_stream` also
    reports each token through its run manager, `stop` cuts the tokens.
    """

    tokens: list[str]
    streaming: bool = False

    @property
    def _llm_type(self) -> str:
        return "token-chat-model"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(cut(self.tokens, stop))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages, stop=stop)

    def _chunks(self, stop: list[str] | None) -> Iterator[tuple[str, ChatGenerationChunk]]:
        tokens = cut(self.tokens, stop)
        for i, token in enumerate(tokens):
            position = "last" if i == len(tokens) - 1 else None
            chunk = AIMessageChunk(token, chunk_position=position)
            yield token, ChatGenerationChunk(message=chunk)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for token, chunk in self._chunks(stop):
            if run_manager:
                run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for token, chunk in self._chunks(stop):
            if run_manager:
                await run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk


class TokenLLM(BaseLLM):
    """Streams exactly `tokens` as a text LLM; with `streaming=True` its `_generate`
    streams internally and reports the tokens through its run manager."""

    tokens: list[str]
    streaming: bool = False

    @property
    def _llm_type(self) -> str:
        return "token-llm"

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        generations = []
        for prompt in prompts:
            if self.streaming:
                chunks = self._stream(prompt, stop=stop, run_manager=run_manager)
                text = "".join(c.text for c in chunks)
            else:
                text = "".join(cut(self.tokens, stop))
            generations.append([Generation(text=text)])
        return LLMResult(generations=generations)

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        generations = []
        for prompt in prompts:
            if self.streaming:
                chunks = self._astream(prompt, stop=stop, run_manager=run_manager)
                text = "".join([c.text async for c in chunks])
            else:
                text = "".join(cut(self.tokens, stop))
            generations.append([Generation(text=text)])
        return LLMResult(generations=generations)

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        for token in cut(self.tokens, stop):
            chunk = GenerationChunk(text=token)
            if run_manager:
                run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        for token in cut(self.tokens, stop):
            chunk = GenerationChunk(text=token)
            if run_manager:
                await run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk


def token_model(tokens: list[str], *, chat: bool = True, streaming: bool = False) -> Any:
    """A model that streams exactly `tokens` (`streaming` is only set when asked)."""
    kwargs: dict[str, Any] = {"tokens": list(tokens)}
    if streaming:
        kwargs["streaming"] = True
    return TokenChatModel(**kwargs) if chat else TokenLLM(**kwargs)


class ModelRecorder(BaseCallbackHandler):
    """Records model callbacks (and chain starts) as dicts, in order."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kw: Any) -> None:
        self.records.append({"hook": "on_chain_start", "name": kw.get("name"), **_ids(kw)})

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[Any]], **kw: Any
    ) -> None:
        self.records.append({"hook": "on_chat_model_start", "messages": messages, **kw})

    def on_llm_start(self, serialized: dict[str, Any], prompts: list[str], **kw: Any) -> None:
        self.records.append({"hook": "on_llm_start", "prompts": prompts, **kw})

    def on_llm_new_token(self, token: Any, *, chunk: Any = None, **kw: Any) -> None:
        self.records.append({"hook": "on_llm_new_token", "token": token, "chunk": chunk, **kw})

    def on_llm_end(self, response: Any, **kw: Any) -> None:
        self.records.append({"hook": "on_llm_end", "response": response, **_ids(kw)})

    def on_llm_error(self, error: BaseException, **kw: Any) -> None:
        self.records.append({"hook": "on_llm_error", "error": error, **_ids(kw)})

    def hooks(self) -> list[str]:
        return [r["hook"] for r in self.records]

    def tokens(self) -> list[Any]:
        return [r["token"] for r in self.records if r["hook"] == "on_llm_new_token"]

    def first(self, hook: str) -> dict[str, Any]:
        return next(r for r in self.records if r["hook"] == hook)


def _ids(kw: dict[str, Any]) -> dict[str, Any]:
    return {"run_id": kw["run_id"], "parent_run_id": kw.get("parent_run_id")}


class TokenListener(Listener):
    """A listener that asks models to stream under invoke, as event streams do."""

    streams_tokens = True

    def __init__(self) -> None:
        self.log: list[tuple[str, Any]] = []
        self.run_ids: list[UUID] = []

    def _run_start(self, run: Run) -> None:
        self.run_ids.append(run.id)

    def _run_token(self, run: Run, token: Any, chunk: Any) -> None:
        self.log.append(("token", token))

    def _run_chunk(self, run: Run, chunk: Any) -> None:
        self.log.append(("chunk", chunk))


@pytest.fixture
def recorder() -> ModelRecorder:
    return ModelRecorder()


class Path:
    """Calls the sync or the async twin of each method, so one test covers both."""

    def __init__(self, is_async: bool) -> None:
        self.is_async = is_async

    def __repr__(self) -> str:
        return "async" if self.is_async else "sync"

    async def invoke(
        self,
        runnable: Runnable[Any, Any],
        input: Any,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Any:
        if self.is_async:
            return await runnable.ainvoke(input, config, **kwargs)
        return runnable.invoke(input, config, **kwargs)

    async def stream(
        self,
        runnable: Runnable[Any, Any],
        input: Any,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> list[Any]:
        if self.is_async:
            return await _acollect(runnable.astream(input, config, **kwargs))
        return list(runnable.stream(input, config, **kwargs))

    async def batch(
        self, runnable: Runnable[Any, Any], inputs: list[Any], config: Any = None, **kwargs: Any
    ) -> list[Any]:
        if self.is_async:
            return await runnable.abatch(inputs, config, **kwargs)
        return runnable.batch(inputs, config, **kwargs)

    async def first_then_close(
        self, runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None
    ) -> Any:
        """Take the first chunk of the stream, then close it (a consumer that breaks)."""
        if self.is_async:
            it = runnable.astream(input, config)
            first = await anext(it)
            await it.aclose()  # type: ignore[attr-defined]
            return first
        sync_it = runnable.stream(input, config)
        first = next(sync_it)
        sync_it.close()  # type: ignore[attr-defined]
        return first


async def _acollect(chunks: AsyncIterator[Any]) -> list[Any]:
    async with aclosing(chunks) as it:  # type: ignore[type-var]
        return [chunk async for chunk in it]


def texts(chunks: Iterable[Any]) -> list[Any]:
    """The contents of message chunks."""
    return [chunk.content for chunk in chunks]


@pytest.fixture(params=[False, True], ids=["sync", "async"])
def path(request: pytest.FixtureRequest) -> Path:
    return Path(request.param)
