"""Invoking tools: dict, ToolCall and string inputs, outputs, async tools, streaming."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pydantic import BaseModel

from runnel.messages import ToolMessage
from runnel.runnables import RunnableConfig, RunnableLambda
from runnel.tools import StructuredTool, Tool, tool

from .conftest import Call

pytestmark = pytest.mark.anyio


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def call_of(name: str, args: dict[str, Any], id: str = "call_1") -> dict[str, Any]:
    return {"name": name, "args": args, "id": id, "type": "tool_call"}


async def test_dict_input_returns_the_result(call: Call) -> None:
    assert await call(add, {"a": 1, "b": 2}) == 3


async def test_arguments_are_validated_and_coerced(call: Call) -> None:
    seen: list[Any] = []

    @tool
    def record(n: int, flag: bool = False) -> str:
        """Record."""
        seen.append((n, flag))
        return "ok"

    await call(record, {"n": "7", "flag": "yes", "unknown": 1})
    assert seen == [(7, True)]


async def test_tool_call_input_returns_a_tool_message(call: Call) -> None:
    message = await call(add, call_of("add", {"a": 2, "b": 5}, "call_9"))
    assert isinstance(message, ToolMessage)
    assert (message.content, message.tool_call_id, message.name, message.status) == (
        "7",
        "call_9",
        "add",
        "success",
    )


async def test_dict_without_tool_call_type_is_arguments(call: Call) -> None:
    @tool
    def echo(name: str, args: dict[str, int], id: str) -> str:
        """Echo."""
        return f"{name}{args}{id}"

    assert await call(echo, {"name": "n", "args": {"x": 1}, "id": "i"}) == "n{'x': 1}i"


@pytest.mark.parametrize(
    ("result", "content"),
    [
        ("text", "text"),
        (3, "3"),
        ({"a": 1}, '{"a": 1}'),
        (None, "null"),
        ([{"type": "text", "text": "hi"}], [{"type": "text", "text": "hi"}]),
        (["a", "b"], ["a", "b"]),
        ([1, 2], "[1, 2]"),
        ({"é"}, "{'é'}"),
    ],
)
async def test_tool_message_content(call: Call, result: Any, content: Any) -> None:
    @tool
    def produce() -> Any:
        """Produce."""
        return result

    message = await call(produce, call_of("produce", {}))
    assert message.content == content


async def test_tool_returning_a_tool_message_is_passed_through(call: Call) -> None:
    @tool
    def custom(x: int) -> ToolMessage:
        """Custom."""
        return ToolMessage("mine", tool_call_id="other", artifact=x)

    message = await call(custom, call_of("custom", {"x": 4}))
    assert (message.content, message.tool_call_id, message.artifact) == ("mine", "other", 4)


async def test_content_and_artifact(call: Call) -> None:
    @tool(response_format="content_and_artifact")
    def fetch(n: int) -> tuple[str, list[int]]:
        """Fetch."""
        return f"{n} items", list(range(n))

    assert await call(fetch, {"n": 2}) == "2 items"
    message = await call(fetch, call_of("fetch", {"n": 3}))
    assert (message.content, message.artifact) == ("3 items", [0, 1, 2])

    @tool(response_format="content_and_artifact")
    def wrong() -> str:
        """Wrong."""
        return "no tuple"

    with pytest.raises(ValueError, match=r"\(content, artifact\) tuple"):
        await call(wrong, {})


async def test_string_input_for_a_single_argument_tool(call: Call) -> None:
    @tool
    def shout(text: str) -> str:
        """Shout."""
        return text.upper()

    @tool
    def square(n: int) -> int:
        """Square."""
        return n * n

    assert await call(shout, "hey") == "HEY"
    assert await call(square, "4") == 16


async def test_async_only_tool_under_invoke_raises_clearly() -> None:
    @tool
    async def aadd(a: int, b: int) -> int:
        """Add, asynchronously."""
        return a + b

    with pytest.raises(TypeError, match="only has an async implementation: use ainvoke"):
        aadd.invoke({"a": 1, "b": 2})
    assert await aadd.ainvoke({"a": 1, "b": 2}) == 3


async def test_sync_tool_under_ainvoke_runs_in_a_worker_thread() -> None:
    threads: list[threading.Thread] = []

    @tool
    def where() -> str:
        """Where."""
        threads.append(threading.current_thread())
        return "here"

    assert await where.ainvoke({}) == "here"
    assert where.invoke({}) == "here"
    assert threads[0] is not threading.current_thread()
    assert threads[1] is threading.current_thread()


async def test_async_function_runs_natively_under_ainvoke() -> None:
    threads: list[threading.Thread] = []

    async def where() -> str:
        threads.append(threading.current_thread())
        return "here"

    t = StructuredTool.from_function(coroutine=where, description="Where.")
    assert await t.ainvoke({}) == "here"
    assert threads == [threading.current_thread()]


async def test_func_and_coroutine_each_serve_their_path() -> None:
    t = StructuredTool.from_function(
        func=lambda: "sync", coroutine=_async_answer, name="both", description="Both."
    )
    assert t.invoke({}) == "sync"
    assert await t.ainvoke({}) == "async"


async def _async_answer() -> str:
    return "async"


async def test_stream_yields_one_chunk() -> None:
    assert list(add.stream({"a": 1, "b": 1})) == [2]
    assert [c async for c in add.astream({"a": 2, "b": 2})] == [4]


async def test_batch() -> None:
    assert add.batch([{"a": 1, "b": 1}, {"a": 2, "b": 3}]) == [2, 5]
    assert await add.abatch([{"a": 1, "b": 1}, {"a": 2, "b": 3}]) == [2, 5]


async def test_config_parameter_receives_the_config(call: Call) -> None:
    seen: list[RunnableConfig] = []

    @tool
    def inspect_config(x: int, config: RunnableConfig) -> int:
        """Inspect."""
        seen.append(config)
        return x

    await call(inspect_config, {"x": 1}, {"tags": ["t1"], "metadata": {"k": "v"}})
    assert seen[0]["tags"] == ["t1"]
    assert seen[0]["metadata"] == {"k": "v"}


async def test_tool_in_a_chain(call: Call) -> None:
    pick = RunnableLambda(lambda msg: {"a": msg, "b": 10})
    assert await call(pick | add, 5) == 15


async def test_base_tool_subclass_with_async_run(call: Call) -> None:
    class Args(BaseModel):
        text: str

    from runnel.tools import BaseTool

    class Reverse(BaseTool):
        name: str = "reverse"
        description: str = "Reverse a text."
        args_schema: type[BaseModel] = Args

        def _run(self, text: str) -> str:
            return "sync:" + text[::-1]

        async def _arun(self, text: str) -> str:
            return "async:" + text[::-1]

    assert await call(Reverse(), {"text": "abc"}) == f"{call.mode}:cba"


async def test_single_input_tool_with_coroutine() -> None:
    async def up(text: str) -> str:
        return text.upper()

    t = Tool("up", None, "Upper.", coroutine=up)
    assert await t.ainvoke("x") == "X"
    with pytest.raises(TypeError, match="async implementation"):
        t.invoke("x")


async def test_tool_from_runnable(call: Call) -> None:
    class Pair(BaseModel):
        a: int
        b: int

    summer = RunnableLambda(lambda d: d["a"] + d["b"])
    t = tool("summer", summer, args_schema=Pair, description="Sum a pair.")
    assert await call(t, {"a": 2, "b": 3}) == 5
    assert list(t.args) == ["a", "b"]


def test_repr() -> None:
    assert repr(add) == "StructuredTool(name='add', description='Add two integers.')"


async def test_base_tool_subclass_without_arun_runs_in_a_thread_under_ainvoke(call: Call) -> None:
    from runnel.tools import BaseTool

    threads: list[threading.Thread] = []

    class Where(BaseTool):
        name: str = "where"
        description: str = "Where."

        def _run(self, label: str) -> str:
            threads.append(threading.current_thread())
            return label

    assert await call(Where(), {"label": "x"}) == "x"
    assert (threads[0] is threading.current_thread()) == (call.mode == "sync")


async def test_json_schema_args_are_passed_through_unvalidated(call: Call) -> None:
    schema = {
        "type": "object",
        "properties": {"q": {"type": "string"}},
        "required": ["q"],
    }
    t = StructuredTool.from_function(
        lambda **kw: kw, name="raw", description="Raw.", args_schema=schema
    )
    assert await call(t, {"q": 1, "extra": True}) == {"q": 1, "extra": True}
    assert t.args == {"q": {"type": "string"}}
    assert t.tool_call_schema == schema


async def test_single_input_tool_from_function_and_schema(call: Call) -> None:
    class Text(BaseModel):
        text: str

    t = Tool.from_function(str.upper, name="up", description="Upper.", args_schema=Text)
    assert await call(t, {"text": "ab"}) == "AB"
    assert await call(t, "cd") == "CD"
    assert list(t.args) == ["text"]
    assert t.get_input_schema() is Text
    plain = Tool("plain", str.lower, "Lower.")
    assert list(plain.get_input_schema().model_fields) == ["tool_input"]
    with pytest.raises(ValueError, match="needs func, coroutine or both"):
        Tool.from_function(None, name="none", description="None.")


def test_tool_decorator_misuse() -> None:
    with pytest.raises(TypeError, match="decorates functions"):
        tool("name")(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs a name"):
        tool()(RunnableLambda(lambda d: d))
    with pytest.raises(TypeError, match="not an object of named arguments"):
        tool("lam", RunnableLambda(lambda d: d))
    with pytest.raises(ValueError, match="needs func, coroutine or both"):
        StructuredTool.from_function(description="nothing")


async def test_structured_tool_without_a_schema_passes_arguments_through(call: Call) -> None:
    def join(**parts: str) -> str:
        return "".join(parts.values())

    t = StructuredTool.from_function(join, description="Join.", infer_schema=False)
    assert t.args_schema is None
    assert await call(t, {"a": "x", "b": "y"}) == "xy"
