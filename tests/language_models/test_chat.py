"""BaseChatModel: invoke, stream, batch and run reporting over LangChain's provider hooks."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import pytest

from runnel.callbacks import AsyncRunManager, RunManager
from runnel.language_models import BaseChatModel, SimpleChatModel
from runnel.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage
from runnel.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, LLMResult
from runnel.runnables import RunnableLambda

from .conftest import ModelRecorder, Path, TokenChatModel, TokenListener, texts, token_model

pytestmark = pytest.mark.anyio

TOKENS = ["The", " sky", " appears", " blue", "."]


class Unmarked(BaseChatModel):
    """Streams `tokens` without marking the last chunk; ids and metadata as configured."""

    tokens: list[str]
    chunk_id: str | None = None
    info: dict[str, Any] | None = None
    log: list[Any] = []

    @property
    def _llm_type(self) -> str:
        return "unmarked"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.log.append(("generate", stop, kwargs))
        message = AIMessage("".join(self.tokens))
        return ChatResult(
            generations=[ChatGeneration(message=message, generation_info=self.info)],
            llm_output={"model_name": "unmarked-1"},
        )

    def _pieces(self) -> Iterator[ChatGenerationChunk]:
        for token in self.tokens:
            message = AIMessageChunk(token, id=self.chunk_id)
            yield ChatGenerationChunk(message=message, generation_info=self.info)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        self.log.append(("stream", stop, kwargs))
        try:
            yield from self._pieces()
        finally:
            self.log.append("closed")

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        self.log.append(("astream", stop, kwargs))
        try:
            for chunk in self._pieces():
                yield chunk
        finally:
            self.log.append("closed")


class NoStream(BaseChatModel):
    """Implements `_generate` only."""

    @property
    def _llm_type(self) -> str:
        return "no-stream"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage("full answer"))])


async def test_stream_yields_the_provider_chunks(path: Path) -> None:
    chunks = await path.stream(token_model(TOKENS), "what color is the sky?")
    assert texts(chunks) == TOKENS
    assert {type(c) for c in chunks} == {AIMessageChunk}
    assert [c.chunk_position for c in chunks] == [None] * 4 + ["last"]


async def test_invoke_returns_the_whole_message(path: Path) -> None:
    message = await path.invoke(token_model(TOKENS), "what color is the sky?")
    assert type(message) is AIMessage
    assert message.content == "The sky appears blue."
    assert message.id.startswith("lc_run--") and message.id.endswith("-0")


async def test_batch_answers_each_input(path: Path) -> None:
    out = await path.batch(token_model(TOKENS), ["a", "b", "c"])
    assert [m.content for m in out] == ["The sky appears blue."] * 3
    assert len({m.id for m in out}) == 3


async def test_an_unmarked_stream_gets_a_closing_chunk(path: Path) -> None:
    chunks = await path.stream(Unmarked(tokens=["a", "b"], log=[]), "x")
    assert texts(chunks) == ["a", "b", ""]
    assert chunks[-1].chunk_position == "last"
    assert (chunks[0] + chunks[1] + chunks[2]).content == "ab"


async def test_chunks_of_one_run_share_its_id(path: Path, recorder: ModelRecorder) -> None:
    model = Unmarked(tokens=["a", "b"], log=[])
    chunks = await path.stream(model, "x", {"callbacks": [recorder]})
    run_id = recorder.first("on_chat_model_start")["run_id"]
    assert [c.id for c in chunks] == [f"lc_run--{run_id}"] * 3
    # Nobody listening: still one id per call, a different one each time.
    first = await path.stream(model, "x")
    second = await path.stream(model, "x")
    assert len({c.id for c in first}) == 1
    assert first[0].id.startswith("lc_run--")
    assert first[0].id != second[0].id


async def test_a_provider_id_wins(path: Path) -> None:
    model = Unmarked(tokens=["a", "b"], chunk_id="prov-1", log=[])
    chunks = await path.stream(model, "x")
    assert [c.id for c in chunks[:2]] == ["prov-1", "prov-1"]
    assert chunks[2].id.startswith("lc_run--")
    assert (chunks[0] + chunks[1] + chunks[2]).id == "prov-1"
    message = await path.invoke(model, "x", stream=True)
    assert message.id == "prov-1"


async def test_a_model_without_stream_yields_one_message(
    path: Path, recorder: ModelRecorder
) -> None:
    listener = TokenListener()
    chunks = await path.stream(NoStream(), "x", {"callbacks": [recorder, listener]})
    assert len(chunks) == 1
    assert type(chunks[0]) is AIMessage
    assert chunks[0].content == "full answer"
    assert recorder.hooks() == ["on_chat_model_start", "on_llm_end"]
    assert listener.log == []


async def test_streaming_true_reports_each_token_once_during_invoke(
    path: Path, recorder: ModelRecorder
) -> None:
    # TokenChatModel reports through its run manager too: no token may arrive twice.
    model = token_model(TOKENS, streaming=True)
    message = await path.invoke(model, "x", {"callbacks": [recorder]})
    assert message.content == "The sky appears blue."
    assert type(message) is AIMessage
    assert recorder.tokens() == TOKENS
    assert recorder.hooks() == ["on_chat_model_start"] + ["on_llm_new_token"] * 5 + ["on_llm_end"]
    chunk = recorder.records[1]["chunk"]
    assert isinstance(chunk, ChatGenerationChunk)
    assert chunk.message.content == "The"


async def test_stream_true_per_call_streams_invoke(path: Path, recorder: ModelRecorder) -> None:
    await path.invoke(token_model(TOKENS), "x", {"callbacks": [recorder]}, stream=True)
    assert recorder.tokens() == TOKENS


async def test_plain_invoke_reports_no_tokens(path: Path, recorder: ModelRecorder) -> None:
    await path.invoke(token_model(TOKENS), "x", {"callbacks": [recorder]})
    assert recorder.hooks() == ["on_chat_model_start", "on_llm_end"]


async def test_stream_reports_each_token_once(path: Path, recorder: ModelRecorder) -> None:
    await path.stream(token_model(TOKENS), "x", {"callbacks": [recorder]})
    assert recorder.tokens() == TOKENS


class InternalStreamer(SimpleChatModel):
    """Streams inside `_call`, reporting tokens through the run manager."""

    @property
    def _llm_type(self) -> str:
        return "internal"

    def _call(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> str:
        for token in ["x", "y"]:
            if run_manager:
                run_manager.on_llm_new_token(token)
        return "xy"


async def test_tokens_reported_inside_generate_reach_handlers(
    path: Path, recorder: ModelRecorder
) -> None:
    assert await path.invoke(InternalStreamer(), "q", {"callbacks": [recorder]}) == AIMessage(
        "xy", id=recorder.first("on_llm_end")["response"].generations[0][0].message.id
    )
    assert recorder.tokens() == ["x", "y"]


@pytest.mark.parametrize(
    ("settings", "kwargs"),
    [
        ({"streaming": False}, {}),
        ({"disable_streaming": True}, {}),
        ({"disable_streaming": "tool_calling"}, {"tools": [{"name": "t"}]}),
        ({}, {"stream": False}),
    ],
)
async def test_streaming_can_be_turned_off(
    path: Path, recorder: ModelRecorder, settings: dict[str, Any], kwargs: dict[str, Any]
) -> None:
    model = TokenChatModel(tokens=TOKENS, **settings)
    chunks = await path.stream(model, "x", {"callbacks": [recorder]}, **kwargs)
    assert [type(c) for c in chunks] == [AIMessage]
    assert chunks[0].content == "The sky appears blue."
    assert recorder.tokens() == []


async def test_tool_calling_only_turns_off_calls_with_tools(path: Path) -> None:
    model = TokenChatModel(tokens=TOKENS, disable_streaming="tool_calling")
    assert texts(await path.stream(model, "x")) == TOKENS


async def test_an_event_listener_makes_invoke_stream(path: Path) -> None:
    listener = TokenListener()
    message = await path.invoke(token_model(TOKENS), "x", {"callbacks": [listener]})
    assert message.content == "The sky appears blue."
    assert [kind for kind, _ in listener.log] == ["token", "chunk"] * 5
    assert [v for kind, v in listener.log if kind == "token"] == TOKENS
    assert all(isinstance(v, AIMessageChunk) for kind, v in listener.log if kind == "chunk")


async def test_an_event_listener_does_not_stream_a_non_streaming_setting(path: Path) -> None:
    listener = TokenListener()
    model = TokenChatModel(tokens=TOKENS, streaming=False)
    await path.invoke(model, "x", {"callbacks": [listener]})
    assert listener.log == []


async def test_constructor_callbacks_are_local_to_the_model_run(path: Path) -> None:
    local, inherited = ModelRecorder(), ModelRecorder()
    model = TokenChatModel(tokens=TOKENS, callbacks=[local])
    chain = RunnableLambda(lambda x: x, name="prep") | model
    await path.invoke(chain, "x", {"callbacks": [inherited]})
    assert local.hooks() == ["on_chat_model_start", "on_llm_end"]
    assert inherited.hooks()[:3] == ["on_chain_start", "on_chain_start", "on_chat_model_start"]
    # The model alone, with nobody else listening, still reports to its own handlers.
    local.records.clear()
    await path.invoke(model, "x")
    assert local.hooks() == ["on_chat_model_start", "on_llm_end"]


class Configured(TokenChatModel):
    model: str = "sky-large"
    temperature: float = 0.2
    max_tokens: int = 64


async def test_runs_report_messages_params_and_metadata(
    path: Path, recorder: ModelRecorder
) -> None:
    model = Configured(tokens=TOKENS, tags=["own"], metadata={"team": "blue"})
    await path.invoke(
        model,
        [("system", "Be brief."), ("human", "hi")],
        {"callbacks": [recorder], "tags": ["outer"], "metadata": {"user": "u1"}},
        stop=["!"],
        seed=3,
    )
    start = recorder.first("on_chat_model_start")
    assert start["messages"] == [[SystemMessage("Be brief."), HumanMessage("hi")]]
    assert start["metadata"] == {
        "user": "u1",
        "team": "blue",
        "ls_provider": "configured",
        "ls_model_type": "chat",
        "ls_model_name": "sky-large",
        "ls_temperature": 0.2,
        "ls_max_tokens": 64,
        "ls_stop": ["!"],
    }
    assert sorted(start["tags"]) == ["outer", "own"]
    assert start["invocation_params"] == {"_type": "token-chat-model", "stop": ["!"], "seed": 3}
    assert start["options"] == {"stop": ["!"]}
    assert start["parent_run_id"] is None
    end = recorder.first("on_llm_end")["response"]
    assert isinstance(end, LLMResult)
    assert end.generations[0][0].message.content == "The sky appears blue."
    assert end.generations[0][0].text == "The sky appears blue."


async def test_ls_provider_strips_chat_from_the_class_name() -> None:
    class ChatSkyCo(TokenChatModel):
        pass

    class SkyCoChat(TokenChatModel):
        pass

    assert ChatSkyCo(tokens=[])._get_ls_params()["ls_provider"] == "skyco"
    assert SkyCoChat(tokens=[])._get_ls_params()["ls_provider"] == "skyco"


async def test_stream_run_output_is_the_merged_chunk(path: Path, recorder: ModelRecorder) -> None:
    await path.stream(token_model(TOKENS), "x", {"callbacks": [recorder]})
    generation = recorder.first("on_llm_end")["response"].generations[0][0]
    assert isinstance(generation.message, AIMessageChunk)
    assert generation.message.content == "The sky appears blue."


class Prompt:
    """A prompt value, duck-typed."""

    def to_messages(self) -> list[BaseMessage]:
        return [HumanMessage("from a prompt value")]

    def to_string(self) -> str:
        return "Human: from a prompt value"


async def test_inputs_become_messages(path: Path, recorder: ModelRecorder) -> None:
    model = token_model(TOKENS)
    for input, expected in [
        ("hi", [HumanMessage("hi")]),
        ([("human", "hi")], [HumanMessage("hi")]),
        ([{"role": "user", "content": "hi"}], [HumanMessage("hi")]),
        (Prompt(), [HumanMessage("from a prompt value")]),
    ]:
        recorder.records.clear()
        await path.invoke(model, input, {"callbacks": [recorder]})
        assert recorder.first("on_chat_model_start")["messages"] == [expected]
    with pytest.raises(ValueError, match="Invalid input type int"):
        await path.invoke(model, 42)


async def test_stop_reaches_the_provider(path: Path) -> None:
    model = Unmarked(tokens=["a"], log=[])
    await path.invoke(model.bind(stop=["x"]), "q")
    await path.stream(model, "q", stop=["y"], temperature=0)
    assert model.log[0] == ("generate", ["x"], {})
    assert model.log[1][1:] == (["y"], {"temperature": 0})


async def test_a_consumer_that_breaks_closes_the_provider_stream(
    path: Path, recorder: ModelRecorder
) -> None:
    for config in ({}, {"callbacks": [recorder]}):
        model = Unmarked(tokens=["a", "b", "c"], log=[])
        first = await path.first_then_close(model, "x", config)
        assert first.content == "a"
        assert model.log[-1] == "closed"
    assert recorder.hooks() == ["on_chat_model_start", "on_llm_new_token", "on_llm_error"]


async def test_no_chunks_is_an_error(path: Path, recorder: ModelRecorder) -> None:
    model = Unmarked(tokens=[], log=[])
    with pytest.raises(ValueError, match="No generation chunks"):
        await path.stream(model, "x", {"callbacks": [recorder]})
    assert recorder.hooks() == ["on_chat_model_start", "on_llm_error"]


async def test_generation_info_and_llm_output_become_response_metadata(path: Path) -> None:
    model = Unmarked(tokens=["a"], info={"finish_reason": "stop"}, log=[])
    chunks = await path.stream(model, "x")
    assert chunks[0].response_metadata == {"finish_reason": "stop"}
    message = await path.invoke(model, "x")
    assert message.response_metadata == {"finish_reason": "stop", "model_name": "unmarked-1"}


class SyncOnly(BaseChatModel):
    """Implements `_stream` only; records the thread of each chunk."""

    threads: list[int] = []

    @property
    def _llm_type(self) -> str:
        return "sync-only"

    def _generate(
        self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        raise AssertionError("not called")

    def _stream(
        self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        for token in ["a", "b"]:
            self.threads.append(threading.get_ident())
            yield ChatGenerationChunk(message=AIMessageChunk(token))


class CheapSyncOnly(SyncOnly):
    _sync_is_cheap: ClassVar[bool] = True


async def test_a_sync_only_stream_runs_under_astream() -> None:
    model = SyncOnly(threads=[])
    assert texts([c async for c in model.astream("x")]) == ["a", "b", ""]
    assert threading.get_ident() not in model.threads  # worker threads
    cheap = CheapSyncOnly(threads=[])
    assert texts([c async for c in cheap.astream("x")]) == ["a", "b", ""]
    assert set(cheap.threads) == {threading.get_ident()}  # inline


async def test_an_async_only_model_streams_under_astream_and_generates_under_stream() -> None:
    class AsyncOnly(NoStream):
        async def _astream(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
        ) -> AsyncIterator[ChatGenerationChunk]:
            yield ChatGenerationChunk(message=AIMessageChunk("async", chunk_position="last"))

    model = AsyncOnly()
    assert texts([c async for c in model.astream("x")]) == ["async"]
    assert [m.content for m in model.stream("x")] == ["full answer"]


async def test_an_error_is_reported_and_raised(path: Path, recorder: ModelRecorder) -> None:
    class Broken(NoStream):
        def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
            raise RuntimeError("provider down")

    with pytest.raises(RuntimeError, match="provider down"):
        await path.invoke(Broken(), "x", {"callbacks": [recorder]})
    assert recorder.hooks() == ["on_chat_model_start", "on_llm_error"]


async def test_a_returned_message_is_not_changed() -> None:
    shared = AIMessage("same")

    class Shared(NoStream):
        def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
            return ChatResult(generations=[ChatGeneration(message=shared)])

    first, second = Shared().invoke("x"), Shared().invoke("x")
    assert shared.id is None
    assert first.id != second.id


def test_bind_tools_is_for_providers() -> None:
    with pytest.raises(NotImplementedError, match="TokenChatModel does not support tool calling"):
        token_model(TOKENS).bind_tools([])


def test_a_model_must_implement_generate() -> None:
    class Incomplete(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "incomplete"

    with pytest.raises(TypeError, match="abstract"):
        Incomplete()  # type: ignore[abstract]


def test_output_type_is_ai_message() -> None:
    assert token_model(TOKENS).OutputType is AIMessage
