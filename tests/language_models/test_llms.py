"""BaseLLM and LLM: text in, `str` out, streamed as `str` chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from runnel.callbacks import AsyncRunManager, RunManager
from runnel.language_models import LLM
from runnel.messages import AIMessage, HumanMessage
from runnel.outputs import GenerationChunk, LLMResult

from .conftest import ModelRecorder, Path, TokenListener, token_model

pytestmark = pytest.mark.anyio

SONG = ["", "\n", "Spark", "ling", " water", ""]


class Echo(LLM):
    """Completes with the prompt, upper-cased; streams it word by word if `words`."""

    log: list[Any] = []

    @property
    def _llm_type(self) -> str:
        return "echo"

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> str:
        self.log.append(("call", prompt, stop, kwargs))
        return prompt.upper()


class StreamingEcho(Echo):
    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        try:
            for word in prompt.upper().split(" "):
                yield GenerationChunk(text=word + " ")
        finally:
            self.log.append("closed")

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        try:
            for word in prompt.upper().split(" "):
                yield GenerationChunk(text=word + " ")
        finally:
            self.log.append("closed")


async def test_stream_yields_the_tokens_as_strings(path: Path) -> None:
    chunks = await path.stream(token_model(SONG, chat=False), "sing")
    assert chunks == SONG
    assert {type(c) for c in chunks} == {str}


async def test_invoke_returns_the_text(path: Path) -> None:
    assert await path.invoke(token_model(SONG, chat=False), "sing") == "\nSparkling water"


async def test_batch_completes_each_prompt(path: Path) -> None:
    assert await path.batch(Echo(log=[]), ["a", "b"]) == ["A", "B"]


async def test_an_llm_without_stream_yields_one_string(path: Path, recorder: ModelRecorder) -> None:
    chunks = await path.stream(Echo(log=[]), "hello there", {"callbacks": [recorder]})
    assert chunks == ["HELLO THERE"]
    assert recorder.hooks() == ["on_llm_start", "on_llm_end"]


async def test_streaming_true_reports_each_token_once(path: Path, recorder: ModelRecorder) -> None:
    # TokenLLM streams inside `_generate` and reports through its run manager too.
    model = token_model(SONG, chat=False, streaming=True)
    assert await path.invoke(model, "sing", {"callbacks": [recorder]}) == "\nSparkling water"
    assert recorder.tokens() == SONG
    assert recorder.hooks() == ["on_llm_start"] + ["on_llm_new_token"] * 6 + ["on_llm_end"]


async def test_plain_invoke_reports_no_tokens(path: Path, recorder: ModelRecorder) -> None:
    await path.invoke(token_model(SONG, chat=False), "sing", {"callbacks": [recorder]})
    assert recorder.hooks() == ["on_llm_start", "on_llm_end"]


async def test_stream_reports_tokens_and_the_text(path: Path, recorder: ModelRecorder) -> None:
    await path.stream(token_model(SONG[:3], chat=False), "sing", {"callbacks": [recorder]})
    assert recorder.tokens() == SONG[:3]
    end = recorder.first("on_llm_end")["response"]
    assert isinstance(end, LLMResult)
    assert end.generations[0][0].text == "\nSpark"


async def test_an_event_listener_makes_invoke_stream(path: Path) -> None:
    # Unlike LangChain, text LLMs stream under invoke for event streams too.
    listener = TokenListener()
    text = await path.invoke(StreamingEcho(log=[]), "a b", {"callbacks": [listener]})
    assert text == "A B "
    assert listener.log == [("token", "A "), ("chunk", "A "), ("token", "B "), ("chunk", "B ")]


async def test_runs_report_the_prompt_and_params(path: Path, recorder: ModelRecorder) -> None:
    await path.invoke(Echo(log=[]), "hi", {"callbacks": [recorder]}, stop=["x"])
    start = recorder.first("on_llm_start")
    assert start["prompts"] == ["hi"]
    assert start["metadata"] == {"ls_provider": "echo", "ls_model_type": "llm", "ls_stop": ["x"]}
    assert start["invocation_params"] == {"_type": "echo", "stop": ["x"]}


def test_ls_provider_strips_llm_from_the_class_name() -> None:
    class SkyLLM(Echo):
        pass

    assert SkyLLM()._get_ls_params()["ls_provider"] == "sky"


class Prompt:
    def to_messages(self) -> list[Any]:
        return [HumanMessage("x")]

    def to_string(self) -> str:
        return "rendered prompt"


async def test_inputs_become_a_prompt(path: Path) -> None:
    model = Echo(log=[])
    await path.invoke(model, "plain")
    await path.invoke(model, Prompt())
    await path.invoke(model, [HumanMessage("hi"), AIMessage("hello")])
    assert [entry[1] for entry in model.log] == ["plain", "rendered prompt", "Human: hi\nAI: hello"]
    with pytest.raises(ValueError, match="Invalid input type"):
        await path.invoke(model, 3.5)


async def test_stop_and_kwargs_reach_call(path: Path) -> None:
    model = Echo(log=[])
    await path.invoke(model.bind(stop=["!"]), "p", top_k=2)
    assert model.log == [("call", "p", ["!"], {"top_k": 2})]


async def test_a_consumer_that_breaks_closes_the_provider_stream(
    path: Path, recorder: ModelRecorder
) -> None:
    for config in ({}, {"callbacks": [recorder]}):
        model = StreamingEcho(log=[])
        assert await path.first_then_close(model, "a b c", config) == "A "
        assert model.log == ["closed"]


async def test_no_chunks_is_an_error(path: Path) -> None:
    with pytest.raises(ValueError, match="No generation chunks"):
        await path.stream(token_model([], chat=False), "x")


async def test_default_async_call_runs_the_sync_one(path: Path) -> None:
    model = Echo(log=[])
    assert await path.invoke(model, "q") == "Q"
    assert model.log == [("call", "q", None, {})]


def test_output_type_is_str() -> None:
    assert Echo().OutputType is str
