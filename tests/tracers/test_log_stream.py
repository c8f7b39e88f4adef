"""astream_log: JSON-patch operations on a run log (reference 1.10)."""

from __future__ import annotations

import functools
import operator
import re
from datetime import datetime
from typing import Any

import pytest

from runnel.documents import Document
from runnel.messages import AIMessageChunk, HumanMessage
from runnel.output_parsers import StrOutputParser
from runnel.prompt_values import ChatPromptValue
from runnel.runnables import RunnableLambda
from runnel.tracers import RunLog, RunLogPatch

from .conftest import chat_model, joke_chain, retriever

pytestmark = pytest.mark.anyio

STATE_KEYS = {"id", "streamed_output", "final_output", "logs", "name", "type"}
ENTRY_KEYS = {
    "id",
    "name",
    "type",
    "tags",
    "metadata",
    "start_time",
    "streamed_output",
    "streamed_output_str",
    "final_output",
    "end_time",
}

_MODEL_TOKEN = [
    ("add", "/logs/GenericFakeChatModel/streamed_output_str/-"),
    ("add", "/logs/GenericFakeChatModel/streamed_output/-"),
]
_PARSER_TOKEN = [("add", "/logs/StrOutputParser/streamed_output/-")]
_ROOT_TOKEN = [("add", "/streamed_output/-"), ("replace", "/final_output")]

# (op, path) of each patch langchain-core 1.7.2 yields for joke_chain() answering "hi there".
LANGCHAIN_OPS = [
    [("replace", "")],
    [("add", "/logs/ChatPromptTemplate")],
    [
        ("add", "/logs/ChatPromptTemplate/final_output"),
        ("add", "/logs/ChatPromptTemplate/end_time"),
    ],
    [("add", "/logs/GenericFakeChatModel")],
    _MODEL_TOKEN,
    [("add", "/logs/StrOutputParser")],
    _PARSER_TOKEN,
    _ROOT_TOKEN,
    *[_MODEL_TOKEN, _PARSER_TOKEN, _ROOT_TOKEN] * 2,
    [
        ("add", "/logs/GenericFakeChatModel/final_output"),
        ("add", "/logs/GenericFakeChatModel/end_time"),
    ],
    [("add", "/logs/StrOutputParser/final_output"), ("add", "/logs/StrOutputParser/end_time")],
]


async def _patches(runnable: Any, input: Any, **kwargs: Any) -> list[Any]:
    return [patch async for patch in runnable.astream_log(input, **kwargs)]


def _shape(patches: list[RunLogPatch]) -> list[list[tuple[str, str]]]:
    return [[(op["op"], op["path"]) for op in patch.ops] for patch in patches]


async def test_patches_have_langchains_shape() -> None:
    patches = await _patches(joke_chain(), {"topic": "cats"})
    assert all(type(p) is RunLogPatch for p in patches)
    assert _shape(patches) == LANGCHAIN_OPS
    first = patches[0].ops[0]["value"]
    assert set(first) == STATE_KEYS
    assert first["name"] == "RunnableSequence"
    assert first["type"] == "chain"
    assert first["streamed_output"] == [] and first["logs"] == {}
    assert first["final_output"] is None
    for patch in patches:
        for op in patch.ops:
            if re.fullmatch(r"/logs/[^/]+", op["path"]):
                assert set(op["value"]) == ENTRY_KEYS
                assert op["value"]["end_time"] is None
                assert op["value"]["final_output"] is None


async def test_the_final_state() -> None:
    patches = await _patches(joke_chain(), {"topic": "cats"})
    log = functools.reduce(operator.add, patches)
    assert isinstance(log, RunLog)
    state = log.state
    assert set(state) == STATE_KEYS
    assert state["streamed_output"] == ["hi", " ", "there"]
    assert state["final_output"] == "hi there"
    assert list(state["logs"]) == ["ChatPromptTemplate", "GenericFakeChatModel", "StrOutputParser"]
    prompt = state["logs"]["ChatPromptTemplate"]
    assert prompt["type"] == "prompt"
    assert prompt["tags"] == ["seq:step:1"]
    assert isinstance(prompt["final_output"], ChatPromptValue)
    assert prompt["final_output"].to_messages() == [HumanMessage("joke about cats")]
    model = state["logs"]["GenericFakeChatModel"]
    assert model["type"] == "llm"  # chat models are "llm" in the log
    assert model["metadata"]["ls_provider"] == "genericfakechatmodel"
    assert model["streamed_output_str"] == ["hi", " ", "there"]
    assert [c.content for c in model["streamed_output"]] == ["hi", " ", "there"]
    assert all(isinstance(c, AIMessageChunk) for c in model["streamed_output"])
    result = model["final_output"]
    assert result["type"] == "LLMResult"
    assert result["run"] is None
    [[generation]] = result["generations"]
    assert generation["text"] == "hi there"
    assert isinstance(generation["message"], AIMessageChunk)
    assert generation["message"].content == "hi there"
    parser = state["logs"]["StrOutputParser"]
    assert parser["type"] == "parser"
    assert parser["streamed_output"] == ["hi", " ", "there"]
    assert parser["streamed_output_str"] == []
    assert parser["final_output"] == {"output": "hi there"}
    for entry in state["logs"].values():
        start = datetime.fromisoformat(entry["start_time"])
        end = datetime.fromisoformat(entry["end_time"])
        assert start.tzinfo is not None
        assert start <= end
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["end_time"])


async def test_adding_two_patches_gives_a_run_log() -> None:
    patches = await _patches(joke_chain(), {"topic": "cats"})
    log = patches[0] + patches[1]
    assert isinstance(log, RunLog)
    assert log.ops == patches[0].ops + patches[1].ops
    assert list(log.state["logs"]) == ["ChatPromptTemplate"]
    longer = log + patches[2]
    assert isinstance(longer, RunLog)
    assert longer.state["logs"]["ChatPromptTemplate"]["end_time"] is not None
    # Adding does not change either side.
    assert log.state["logs"]["ChatPromptTemplate"]["end_time"] is None
    assert patches[1].ops[0]["value"]["end_time"] is None


async def test_without_diff_each_item_is_the_accumulated_log() -> None:
    logs = await _patches(joke_chain(), {"topic": "cats"}, diff=False)
    assert all(isinstance(log, RunLog) for log in logs)
    assert len(logs) == len(LANGCHAIN_OPS)
    sizes = [len(log.ops) for log in logs]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    # Earlier logs keep their own state: they are not views of the latest one.
    assert logs[0].state["logs"] == {}
    assert logs[0].state["streamed_output"] == []
    final = logs[-1]
    assert final.state["streamed_output"] == ["hi", " ", "there"]
    assert final.state["final_output"] == "hi there"
    # The final state is what all of its operations produce.
    patches = [
        RunLogPatch(*log.ops[before:]) for before, log in zip([0, *sizes], logs, strict=False)
    ]
    summed = functools.reduce(operator.add, patches)
    assert summed.state == final.state
    assert summed.ops == final.ops


async def test_diff_and_no_diff_agree() -> None:
    chain = joke_chain()
    patches = await _patches(chain, {"topic": "cats"})
    logs = await _patches(chain, {"topic": "cats"}, diff=False)
    summed = functools.reduce(operator.add, patches).state
    final = logs[-1].state

    def strip(state: dict[str, Any]) -> dict[str, Any]:
        return {
            **state,
            "id": None,
            "logs": {
                key: {**entry, "id": None, "start_time": None, "end_time": None}
                for key, entry in state["logs"].items()
            },
        }

    assert strip(summed)["logs"].keys() == strip(final)["logs"].keys()
    assert strip(summed)["streamed_output"] == strip(final)["streamed_output"]
    assert strip(summed)["final_output"] == strip(final)["final_output"]
    for key in final["logs"]:
        left, right = strip(summed)["logs"][key], strip(final)["logs"][key]
        assert left["streamed_output_str"] == right["streamed_output_str"]
        assert [type(c) for c in left["streamed_output"]] == [
            type(c) for c in right["streamed_output"]
        ]


async def test_repeated_names_are_numbered() -> None:
    step = RunnableLambda(lambda x: x + "a", name="f")
    chain = step | step | step
    patches = await _patches(chain, "x", include_names=["f"])
    state = functools.reduce(operator.add, patches).state
    assert list(state["logs"]) == ["f", "f:2", "f:3"]
    assert [state["logs"][k]["final_output"] for k in state["logs"]] == [
        {"output": "xa"},
        {"output": "xaa"},
        {"output": "xaaa"},
    ]
    assert [state["logs"][k]["tags"] for k in state["logs"]] == [
        ["seq:step:1"],
        ["seq:step:2"],
        ["seq:step:3"],
    ]
    assert state["final_output"] == "xaaa"


@pytest.mark.parametrize(
    ("filters", "entries"),
    [
        ({}, ["ChatPromptTemplate", "GenericFakeChatModel", "StrOutputParser"]),
        ({"include_types": ["llm"]}, ["GenericFakeChatModel"]),
        ({"include_types": ["chat_model"]}, []),
        ({"include_names": ["StrOutputParser"]}, ["StrOutputParser"]),
        ({"include_tags": ["seq:step:1"]}, ["ChatPromptTemplate"]),
        ({"exclude_types": ["prompt"]}, ["GenericFakeChatModel", "StrOutputParser"]),
        ({"exclude_tags": ["seq:step:2"]}, ["ChatPromptTemplate", "StrOutputParser"]),
    ],
)
async def test_filters_choose_the_log_entries(
    filters: dict[str, list[str]], entries: list[str]
) -> None:
    patches = await _patches(joke_chain(), {"topic": "cats"}, **filters)
    state = functools.reduce(operator.add, patches).state
    assert list(state["logs"]) == entries
    # The root's operations are always sent.
    assert state["streamed_output"] == ["hi", " ", "there"]
    assert state["final_output"] == "hi there"
    paths = {op["path"] for patch in patches for op in patch.ops}
    assert all(
        path in ("", "/streamed_output/-", "/final_output") or path.split("/")[2] in entries
        for path in paths
    ), paths


async def test_without_the_streamed_output_list() -> None:
    patches = await _patches(
        joke_chain(), {"topic": "cats"}, with_streamed_output_list=False, include_names=["x"]
    )
    assert _shape(patches) == [
        [("replace", "")],
        [("replace", "/final_output")],
        [("replace", "/final_output")],
        [("replace", "/final_output")],
    ]
    state = functools.reduce(operator.add, patches).state
    assert state["streamed_output"] == []
    assert state["final_output"] == "hi there"


async def test_a_chat_model_at_the_root_is_an_llm_run() -> None:
    patches = await _patches(chat_model(), "q")
    state = functools.reduce(operator.add, patches).state
    assert state["type"] == "llm"
    assert state["name"] == "GenericFakeChatModel"
    assert state["final_output"].content == "hi there"
    assert [c.content for c in state["streamed_output"]] == ["hi", " ", "there"]


async def test_retriever_entries_hold_their_documents() -> None:
    chain = RunnableLambda(lambda x: x, name="q") | retriever()
    patches = await _patches(chain, "harrison worked at kensho")
    state = functools.reduce(operator.add, patches).state
    entry = state["logs"]["VectorStoreRetriever"]
    assert entry["type"] == "retriever"
    assert entry["streamed_output"] == []
    docs = entry["final_output"]["documents"]
    assert all(isinstance(d, Document) for d in docs)
    assert state["final_output"] == docs
    assert state["logs"]["q"]["final_output"] == {"output": "harrison worked at kensho"}


async def test_a_failure_is_raised_after_the_patches_before_it() -> None:
    def boom(text: str) -> str:
        raise RuntimeError(f"no {text}")

    chain = chat_model() | StrOutputParser() | RunnableLambda(boom)
    patches: list[RunLogPatch] = []
    with pytest.raises(RuntimeError, match="no hi there"):
        async for patch in chain.astream_log("q"):
            patches.append(patch)
    state = functools.reduce(operator.add, patches).state
    assert state["logs"]["StrOutputParser"]["final_output"] == {"output": "hi there"}
    assert state["logs"]["boom"]["final_output"] is None
    assert state["final_output"] is None
