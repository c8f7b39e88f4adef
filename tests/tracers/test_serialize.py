"""to_jsonable: every event becomes JSON data, with `type` discriminators."""

from __future__ import annotations

import datetime
import json
import uuid
from operator import itemgetter
from typing import Any

import pytest

from runnel.messages import AIMessageChunk, HumanMessage, SystemMessage
from runnel.prompt_values import ChatPromptValue, StringPromptValue
from runnel.prompts import ChatPromptTemplate
from runnel.runnables import RunnableLambda, RunnableParallel
from runnel.tools import ToolException, tool
from runnel.tracers import RunLogPatch, to_jsonable

from .conftest import Collector, chat_model, retriever

pytestmark = pytest.mark.anyio


@tool
def lookup(city: str) -> str:
    """Look a city up."""
    raise ToolException(f"no data for {city}")


def _walk(value: Any) -> list[Any]:
    """Every dict and list nested in `value`."""
    out = [value]
    if isinstance(value, dict):
        for item in value.values():
            out.extend(_walk(item))
    elif isinstance(value, list):
        for item in value:
            out.extend(_walk(item))
    return out


async def test_every_event_of_a_rich_chain_is_json(collect: Collector) -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "be brief"), ("human", "{q}")])
    chain = RunnableParallel(
        answer=prompt | chat_model(),
        docs=itemgetter("q") | retriever(),
        city=RunnableLambda(lambda _: {"city": "Paris"}, name="args") | lookup,
    )
    events, error = await collect.failing(chain, {"q": "harrison worked at kensho"})
    assert isinstance(error, ToolException)
    assert events
    seen_types: set[str] = set()
    for event in events:
        data = to_jsonable(event)
        text = json.dumps(data)
        assert json.loads(text) == data
        assert data["run_id"] == event["run_id"]
        seen_types |= {v["type"] for v in _walk(data) if isinstance(v, dict) and "type" in v}
    assert {"human", "system", "AIMessageChunk", "Document", "ChatPromptValue", "error"} <= (
        seen_types
    )

    [tool_error] = [to_jsonable(e) for e in events if e["event"] == "on_tool_error"]
    assert tool_error["data"]["error"] == {
        "type": "error",
        "error": "ToolException",
        "message": "no data for Paris",
    }
    assert tool_error["data"]["input"] == {"city": "Paris"}
    [prompt_end] = [to_jsonable(e) for e in events if e["event"] == "on_prompt_end"]
    value = prompt_end["data"]["output"]
    assert value["type"] == "ChatPromptValue"
    assert [(m["type"], m["content"]) for m in value["messages"]] == [
        ("system", "be brief"),
        ("human", "harrison worked at kensho"),
    ]
    [docs_end] = [to_jsonable(e) for e in events if e["event"] == "on_retriever_end"]
    assert docs_end["data"]["output"][0]["type"] == "Document"
    assert docs_end["data"]["output"][0]["page_content"] == "harrison worked at kensho"
    streamed = [to_jsonable(e) for e in events if e["event"] == "on_chat_model_stream"]
    assert [e["data"]["chunk"]["content"] for e in streamed] == ["hi", " ", "there"]
    assert {e["data"]["chunk"]["type"] for e in streamed} == {"AIMessageChunk"}


def test_values() -> None:
    run_id = uuid.uuid4()
    when = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.UTC)
    assert to_jsonable(run_id) == str(run_id)
    assert to_jsonable(when) == "2024-05-01T12:00:00+00:00"
    assert to_jsonable((1, "a", None, True, 1.5)) == [1, "a", None, True, 1.5]
    assert to_jsonable({1: {"x"}}) == {"1": ["x"]}
    assert to_jsonable(StringPromptValue(text="hi")) == {"type": "StringPromptValue", "text": "hi"}
    chat = to_jsonable(ChatPromptValue(messages=[HumanMessage("q")]))
    assert chat["type"] == "ChatPromptValue"
    assert chat["messages"][0]["type"] == "human"
    assert to_jsonable(ValueError("bad")) == {
        "type": "error",
        "error": "ValueError",
        "message": "bad",
    }
    chunk = to_jsonable(AIMessageChunk(content="x"))
    assert chunk["type"] == "AIMessageChunk"
    assert chunk["content"] == "x"
    assert to_jsonable(SystemMessage("s"))["type"] == "system"
    patch = to_jsonable(RunLogPatch({"op": "add", "path": "/x", "value": HumanMessage("h")}))
    assert patch["ops"][0]["value"]["type"] == "human"
    assert isinstance(to_jsonable(object()), str)
    assert isinstance(to_jsonable(HumanMessage), str)  # a class, not a message
    log = RunLogPatch({"op": "replace", "path": "", "value": {"a": [1]}}) + RunLogPatch(
        {"op": "add", "path": "/a/-", "value": 2}
    )
    assert to_jsonable(log) == {
        "ops": [
            {"op": "replace", "path": "", "value": {"a": [1]}},
            {"op": "add", "path": "/a/-", "value": 2},
        ],
        "state": {"a": [1, 2]},
    }
    json.dumps(to_jsonable({"everything": [run_id, when, chat, patch, object()]}))


async def test_log_patches_are_json() -> None:
    chain = ChatPromptTemplate.from_template("{q}") | chat_model()
    async for patch in chain.astream_log({"q": "x"}):
        json.dumps(to_jsonable(patch))
