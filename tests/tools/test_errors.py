"""Invalid arguments and tool failures: raised, or handled into the tool's output."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from runnel.messages import ToolMessage
from runnel.tools import ToolException, tool

from .conftest import Call, Recorder

pytestmark = pytest.mark.anyio


def make_divide(**options: Any) -> Any:
    @tool(**options)
    def divide(a: int, b: int) -> float:
        """Divide a by b."""
        if b == 0:
            raise ToolException(f"cannot divide {a} by zero")
        return a / b

    return divide


def call_of(args: dict[str, Any]) -> dict[str, Any]:
    return {"name": "divide", "args": args, "id": "call_3", "type": "tool_call"}


async def test_invalid_arguments_raise_a_validation_error_naming_the_field(call: Call) -> None:
    divide = make_divide()
    with pytest.raises(ValidationError) as info:
        await call(divide, {"a": "seven", "b": 1})
    assert [e["loc"] for e in info.value.errors()] == [("a",)]
    with pytest.raises(ValidationError) as info:
        await call(divide, {"a": 1})
    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(("b",), "missing")]


async def test_string_input_to_a_tool_of_several_required_arguments(call: Call) -> None:
    with pytest.raises(ValidationError, match="b\n  Field required"):
        await call(make_divide(), "3")


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (True, "Tool input validation error"),
        ("bad arguments, try again", "bad arguments, try again"),
        (lambda e: f"{len(e.errors())} error(s)", "1 error(s)"),
    ],
)
async def test_handle_validation_error(call: Call, handler: Any, expected: str) -> None:
    divide = make_divide()
    divide.handle_validation_error = handler
    assert await call(divide, {"a": "x", "b": 1}) == expected
    message = await call(divide, call_of({"a": "x", "b": 1}))
    assert isinstance(message, ToolMessage)
    assert (message.content, message.status, message.tool_call_id) == (expected, "error", "call_3")


async def test_tool_exception_raises_without_a_handler(call: Call, recorder: Recorder) -> None:
    with pytest.raises(ToolException, match="cannot divide 1 by zero"):
        await call(make_divide(), call_of({"a": 1, "b": 0}), {"callbacks": [recorder]})
    assert recorder.hooks() == [("on_tool_start", "divide"), ("on_tool_error", "divide")]
    error = recorder.records[1]
    assert isinstance(error.data, ToolException)
    assert error.extra["tool_call_id"] == "call_3"


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (True, "cannot divide 1 by zero"),
        ("division failed", "division failed"),
        (lambda e: f"handled: {e}", "handled: cannot divide 1 by zero"),
    ],
)
async def test_handle_tool_error(
    call: Call, recorder: Recorder, handler: Any, expected: str
) -> None:
    divide = make_divide(description="Divide.")
    divide.handle_tool_error = handler
    assert await call(divide, {"a": 1, "b": 0}) == expected
    message = await call(divide, call_of({"a": 1, "b": 0}), {"callbacks": [recorder]})
    assert (message.content, message.status, message.name) == (expected, "error", "divide")
    # A handled failure ends the run normally, with the handled output.
    assert recorder.hooks() == [("on_tool_start", "divide"), ("on_tool_end", "divide")]
    assert recorder.records[1].data == message


async def test_handle_tool_error_does_not_catch_other_exceptions(call: Call) -> None:
    @tool(description="Boom.")
    def boom() -> None:
        raise KeyError("not a tool exception")

    boom.handle_tool_error = True
    with pytest.raises(KeyError):
        await call(boom, {})


async def test_tool_exception_without_message(call: Call) -> None:
    @tool(description="Fail.")
    def fail() -> None:
        raise ToolException()

    fail.handle_tool_error = True
    assert await call(fail, {}) == "Tool execution error"


def test_tool_exception_is_a_runnel_error() -> None:
    from runnel.exceptions import RunnelError

    assert issubclass(ToolException, RunnelError)
