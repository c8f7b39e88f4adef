"""Run reporting of tools: start/end payloads, and nesting of tools called inside tools."""

from __future__ import annotations

from typing import Any

import pytest

from runnel.callbacks import CallbackManager
from runnel.messages import ToolMessage
from runnel.runnables import RunnableConfig, RunnableLambda
from runnel.tools import tool

from .conftest import Call, Recorder

pytestmark = pytest.mark.anyio


@tool
def reverse(word: str) -> str:
    """Reverse a word."""
    return word[::-1]


@tool
async def areverse(word: str) -> str:
    """Reverse a word, asynchronously."""
    return word[::-1]


async def test_start_and_end_payloads(call: Call, recorder: Recorder) -> None:
    await call(
        reverse, {"word": "abc"}, {"callbacks": [recorder], "tags": ["t"], "metadata": {"m": 1}}
    )
    start, end = recorder.records
    assert (start.hook, start.name, start.data) == ("on_tool_start", "reverse", "{'word': 'abc'}")
    assert start.extra["inputs"] == {"word": "abc"}
    assert start.extra["tool_call_id"] is None
    assert start.extra["tags"] == ["t"]
    assert start.extra["metadata"] == {"m": 1}
    assert (end.hook, end.data, end.run_id) == ("on_tool_end", "cba", start.run_id)


async def test_tool_call_payloads(call: Call, recorder: Recorder) -> None:
    tool_call = {"name": "reverse", "args": {"word": "xy"}, "id": "c1", "type": "tool_call"}
    message = await call(reverse, tool_call, {"callbacks": [recorder]})
    start, end = recorder.records
    assert start.extra["inputs"] == {"word": "xy"}
    assert start.extra["tool_call_id"] == "c1"
    assert isinstance(end.data, ToolMessage)
    assert end.data == message


async def test_string_input_payload(call: Call, recorder: Recorder) -> None:
    await call(reverse, "hey", {"callbacks": [recorder]})
    start = recorder.records[0]
    assert (start.data, start.extra["inputs"]) == ("hey", "hey")


async def test_run_name_tags_and_metadata_of_the_tool(call: Call, recorder: Recorder) -> None:
    @tool
    def inner_tagged(x: int) -> int:
        """Inner."""
        return x

    @tool
    def tagged(x: int) -> int:
        """Tagged."""
        return inner_tagged.invoke({"x": x})

    tagged.tags = ["tool-tag"]
    tagged.metadata = {"owner": "me"}
    await call(tagged, {"x": 1}, {"callbacks": [recorder], "run_name": "renamed"})
    outer = recorder.by_name("renamed", "on_tool_start")
    assert outer.extra["tags"] == ["tool-tag"]
    assert outer.extra["metadata"] == {"owner": "me"}
    inner = recorder.by_name("inner_tagged", "on_tool_start")
    assert inner.extra["tags"] == []  # the tool's own tags and metadata are not inherited
    assert inner.extra["metadata"] == {}


def outer_tools() -> dict[str, Any]:
    @tool
    def implicit(word: str) -> str:
        """Calls reverse without passing anything."""
        return reverse.invoke({"word": word})

    @tool
    def explicit_callbacks(word: str, callbacks: CallbackManager) -> str:
        """Passes its callbacks on."""
        return reverse.invoke({"word": word}, {"callbacks": callbacks})

    @tool
    def explicit_config(word: str, config: RunnableConfig) -> str:
        """Passes its config on."""
        return reverse.invoke({"word": word}, config)

    @tool
    async def async_implicit(word: str) -> str:
        """Calls areverse without passing anything."""
        return await areverse.ainvoke({"word": word})

    @tool
    async def async_callbacks(word: str, callbacks: CallbackManager) -> str:
        """Passes its callbacks on."""
        return await areverse.ainvoke({"word": word}, {"callbacks": callbacks})

    return {
        "implicit": implicit,
        "explicit_callbacks": explicit_callbacks,
        "explicit_config": explicit_config,
        "async_implicit": async_implicit,
        "async_callbacks": async_callbacks,
    }


def assert_child_run(recorder: Recorder, outer: str, inner: str) -> None:
    assert recorder.hooks() == [
        ("on_tool_start", outer),
        ("on_tool_start", inner),
        ("on_tool_end", inner),
        ("on_tool_end", outer),
    ]
    outer_start, inner_start, inner_end, _ = recorder.records
    assert outer_start.parent_run_id is None
    assert inner_start.parent_run_id == outer_start.run_id
    assert inner_end.parent_run_id == outer_start.run_id


@pytest.mark.parametrize("name", ["implicit", "explicit_callbacks", "explicit_config"])
async def test_tool_calling_a_tool_reports_a_child_run(
    call: Call, recorder: Recorder, name: str
) -> None:
    outer = outer_tools()[name]
    assert await call(outer, {"word": "hello"}, {"callbacks": [recorder]}) == "olleh"
    assert_child_run(recorder, name, "reverse")


@pytest.mark.parametrize("name", ["async_implicit", "async_callbacks"])
async def test_async_tool_calling_a_tool_reports_a_child_run(recorder: Recorder, name: str) -> None:
    outer = outer_tools()[name]
    assert await outer.ainvoke({"word": "hello"}, {"callbacks": [recorder]}) == "olleh"
    assert_child_run(recorder, name, "areverse")


async def test_callbacks_parameter_without_listeners(call: Call) -> None:
    received: list[Any] = []

    @tool
    def outer(word: str, callbacks: CallbackManager) -> str:
        """Outer."""
        received.append(callbacks)
        return reverse.invoke({"word": word}, {"callbacks": callbacks})

    assert await call(outer, {"word": "ab"}) == "ba"
    assert isinstance(received[0], CallbackManager)
    assert received[0].handlers == []


async def test_tool_inside_a_lambda_is_a_child(call: Call, recorder: Recorder) -> None:
    double = RunnableLambda(lambda w: reverse.invoke({"word": w}) * 2, name="double")
    assert await call(double, "ab", {"callbacks": [recorder]}) == "baba"
    assert recorder.hooks() == [
        ("on_chain_start", "double"),
        ("on_tool_start", "reverse"),
        ("on_tool_end", "reverse"),
        ("on_chain_end", "double"),
    ]
    assert recorder.records[1].parent_run_id == recorder.records[0].run_id


async def test_events_show_parsed_arguments() -> None:
    @tool
    async def outer(word: str) -> str:
        """Outer."""
        return await areverse.ainvoke({"word": word})

    events = [e async for e in outer.astream_events({"word": "hi"}, version="v2")]
    rows = [(e["event"], e["name"], e["data"]) for e in events]
    assert rows == [
        ("on_tool_start", "outer", {"input": {"word": "hi"}}),
        ("on_tool_start", "areverse", {"input": {"word": "hi"}}),
        ("on_tool_end", "areverse", {"input": {"word": "hi"}, "output": "ih"}),
        ("on_tool_end", "outer", {"output": "ih"}),
    ]
    assert events[1]["parent_ids"] == [str(events[0]["run_id"])]
