"""astream_events v1 versus v2 (reference 1.8), and the version argument."""

from __future__ import annotations

from typing import Any

import pytest

from runnel.callbacks import adispatch_custom_event
from runnel.documents import Document
from runnel.language_models import FakeStreamingListLLM
from runnel.messages import AIMessageChunk
from runnel.output_parsers import StrOutputParser
from runnel.prompts import PromptTemplate
from runnel.runnables import RunnableConfig, RunnableLambda, RunnableParallel
from runnel.tools import tool

from .conftest import Collector, by_run, chat_model, joke_chain, kinds, retriever

pytestmark = pytest.mark.anyio


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def broken(a: int) -> int:
    """Always fails."""
    raise ValueError(f"broken on {a}")


def _identity(x: Any) -> Any:
    return x


async def test_v1_has_no_parent_ids(collect: Collector) -> None:
    chain = RunnableParallel(joke=joke_chain())
    v1 = await collect(chain, {"topic": "cats"}, version="v1")
    v2 = await collect(chain, {"topic": "cats"}, version="v2")
    assert kinds(v1) == kinds(v2)
    assert all(e["parent_ids"] == [] for e in v1)
    assert any(len(e["parent_ids"]) == 2 for e in v2)


async def test_v1_llm_stream_chunks_are_strings(collect: Collector) -> None:
    chain = PromptTemplate.from_template("say {x}") | FakeStreamingListLLM(responses=["abc"])
    v1 = await collect(chain, {"x": "q"}, version="v1")
    assert [e["data"]["chunk"] for e in v1 if e["event"] == "on_llm_stream"] == ["a", "b", "c"]
    end = by_run(v1, "on_llm_end", "FakeStreamingListLLM")["data"]["output"]
    assert end["type"] == "LLMResult"
    assert end["run"] is None
    assert end["generations"][0][0]["text"] == "abc"


async def test_v1_nested_chat_model_ends_with_an_llm_result_dict(collect: Collector) -> None:
    v1 = await collect(joke_chain(), {"topic": "cats"}, version="v1")
    output = by_run(v1, "on_chat_model_end", "GenericFakeChatModel")["data"]["output"]
    assert set(output) == {"generations", "llm_output", "run", "type"}
    assert output["type"] == "LLMResult"
    [[generation]] = output["generations"]
    assert generation["text"] == "hi there"
    assert generation["type"] == "ChatGenerationChunk"
    assert isinstance(generation["message"], AIMessageChunk)
    assert generation["message"].content == "hi there"
    v2 = await collect(joke_chain(), {"topic": "cats"}, version="v2")
    output = by_run(v2, "on_chat_model_end", "GenericFakeChatModel")["data"]["output"]
    assert isinstance(output, AIMessageChunk)


async def test_v1_root_chat_model_ends_with_the_message(collect: Collector) -> None:
    v1 = await collect(chat_model(), "q", version="v1")
    assert isinstance(v1[-1]["data"]["output"], AIMessageChunk)
    assert v1[-1]["data"]["output"].content == "hi there"


async def test_v1_retriever_output_is_wrapped_in_documents(collect: Collector) -> None:
    chain = RunnableLambda(_identity) | retriever()
    v1 = await collect(chain, "harrison worked at kensho", version="v1")
    output = by_run(v1, "on_retriever_end", "VectorStoreRetriever")["data"]["output"]
    assert list(output) == ["documents"]
    assert all(isinstance(d, Document) for d in output["documents"])
    v2 = await collect(chain, "harrison worked at kensho", version="v2")
    output = by_run(v2, "on_retriever_end", "VectorStoreRetriever")["data"]["output"]
    assert isinstance(output, list)
    assert output[0].page_content == "harrison worked at kensho"


async def test_v1_root_retriever_streams_and_ends_with_the_plain_list(collect: Collector) -> None:
    # As langchain-core: at the root, v1 gives the list itself (as for chat models).
    v1 = await collect(retriever(), "harrison worked at kensho", version="v1")
    assert [e["event"] for e in v1] == [
        "on_retriever_start",
        "on_retriever_stream",
        "on_retriever_end",
    ]
    for output in (v1[1]["data"]["chunk"], v1[2]["data"]["output"]):
        assert isinstance(output, list)
        assert output[0].page_content == "harrison worked at kensho"


async def test_v1_has_no_custom_events() -> None:
    async def work(x: str, config: RunnableConfig) -> str:
        await adispatch_custom_event("evt", {"v": 1}, config=config)
        return x

    runnable = RunnableLambda(work)
    v1 = [e async for e in runnable.astream_events("x", version="v1")]
    v2 = [e async for e in runnable.astream_events("x", version="v2")]
    assert "on_custom_event" not in {e["event"] for e in v1}
    assert [e["event"] for e in v2].count("on_custom_event") == 1


async def test_a_non_streaming_root_streams_its_output_in_v1_only(collect: Collector) -> None:
    v1 = await collect(add, {"a": 1, "b": 2}, version="v1")
    v2 = await collect(add, {"a": 1, "b": 2}, version="v2")
    assert [(e["event"], e["data"]) for e in v1] == [
        ("on_tool_start", {"input": {"a": 1, "b": 2}}),
        ("on_tool_stream", {"chunk": 3}),
        ("on_tool_end", {"output": 3}),
    ]
    assert [(e["event"], e["data"]) for e in v2] == [
        ("on_tool_start", {"input": {"a": 1, "b": 2}}),
        ("on_tool_end", {"output": 3}),
    ]


async def test_tool_errors_are_reported_in_v2_only(collect: Collector) -> None:
    chain = RunnableLambda(_identity, name="args") | broken
    events, error = await collect.failing(chain, {"a": 1}, version="v2")
    assert isinstance(error, ValueError)
    assert str(error) == "broken on 1"
    reported = by_run(events, "on_tool_error", "broken")
    assert set(reported["data"]) == {"error", "input", "tool_call_id"}
    assert reported["data"]["error"] is error
    assert reported["data"]["input"] == {"a": 1}
    assert reported["data"]["tool_call_id"] is None
    assert reported["parent_ids"] == [events[0]["run_id"]]
    assert not [e for e in events if e["event"] == "on_tool_end"]

    events, error = await collect.failing(chain, {"a": 1}, version="v1")
    assert isinstance(error, ValueError)
    assert "on_tool_error" not in {e["event"] for e in events}
    assert by_run(events, "on_tool_end", "broken")["data"] == {"input": {"a": 1}, "output": None}


async def test_tool_error_carries_the_tool_call_id(collect: Collector) -> None:
    call = {"name": "broken", "args": {"a": 2}, "id": "call_9", "type": "tool_call"}
    events, error = await collect.failing(broken, call)
    assert isinstance(error, ValueError)
    reported = by_run(events, "on_tool_error", "broken")["data"]
    assert reported["tool_call_id"] == "call_9"
    assert reported["input"] == {"a": 2}


async def test_a_failed_step_ends_with_no_output_in_v1_and_no_end_in_v2(
    collect: Collector,
) -> None:
    def boom(text: str) -> str:
        raise KeyError(text)

    chain = chat_model() | StrOutputParser() | RunnableLambda(boom)
    events: dict[str, list[dict[str, Any]]] = {}
    for version in ("v1", "v2"):
        events[version], error = await collect.failing(chain, "q", version=version)
        assert isinstance(error, KeyError)
        assert error.args == ("hi there",)
    v1_boom = [e for e in events["v1"] if e["name"] == "boom"]
    assert [e["event"] for e in v1_boom] == ["on_chain_start", "on_chain_end"]
    assert v1_boom[1]["data"]["output"] is None
    assert [e["event"] for e in events["v2"] if e["name"] == "boom"] == ["on_chain_start"]
    # The failed root reports no end in either version (as langchain-core 1.7.2).
    for version in ("v1", "v2"):
        root = events[version][0]["run_id"]
        ends = [e for e in events[version] if e["run_id"] == root and e["event"].endswith("_end")]
        assert ends == [], version


async def test_a_failed_root_reports_only_its_start(collect: Collector) -> None:
    def boom(text: str) -> str:
        raise LookupError(text)

    for version in ("v1", "v2"):
        events, error = await collect.failing(RunnableLambda(boom), "x", version=version)
        assert type(error) is LookupError
        assert [e["event"] for e in events] == ["on_chain_start"]
    events, error = await collect.failing(broken, {"a": 3}, version="v1")
    assert [e["event"] for e in events] == ["on_tool_start"]


@pytest.mark.parametrize("version", ["v3", "V2", "", "2"])
async def test_an_unknown_version_is_refused(version: str) -> None:
    with pytest.raises(ValueError, match=r"'v1', 'v2'") as info:
        async for _ in joke_chain().astream_events({"topic": "x"}, version=version):
            pass
    assert repr(version) in str(info.value)
    with pytest.raises(ValueError, match=r"'v1', 'v2'"):
        for _ in joke_chain().stream_events({"topic": "x"}, version=version):
            pass
