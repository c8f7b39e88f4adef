"""Tool names, descriptions and argument schemas inferred from functions and classes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from runnel.callbacks import CallbackManager, RunManager
from runnel.runnables import RunnableConfig
from runnel.tools import (
    BaseTool,
    InjectedToolArg,
    InjectedToolCallId,
    StructuredTool,
    Tool,
    create_schema_from_function,
    tool,
)
from runnel.tools._schema import parse_docstring


def properties(t: BaseTool) -> dict[str, Any]:
    schema = t.tool_call_schema
    assert isinstance(schema, type)
    return dict(schema.model_json_schema()["properties"])


def test_name_description_and_types_come_from_the_function() -> None:
    @tool
    def search(query: str, limit: int = 5, exact: bool = False) -> list[str]:
        """Search the index."""
        return []

    assert isinstance(search, StructuredTool)
    assert search.name == "search"
    assert search.description == "Search the index."
    assert search.args == {
        "query": {"title": "Query", "type": "string"},
        "limit": {"default": 5, "title": "Limit", "type": "integer"},
        "exact": {"default": False, "title": "Exact", "type": "boolean"},
    }
    schema = search.get_input_schema().model_json_schema()
    assert schema["required"] == ["query"]
    assert schema["title"] == "search"
    assert schema["description"] == "Search the index."


def test_multiline_docstring_is_dedented() -> None:
    @tool
    def f(x: int) -> int:
        """First line.

        More details
            indented.
        """
        return x

    assert f.description == "First line.\n\nMore details\n    indented."


def test_complex_types_and_unannotated_parameters() -> None:
    @tool
    def f(mode: Literal["a", "b"], tags: list[str] | None = None, anything=None) -> str:  # type: ignore[no-untyped-def]
        """F."""
        return ""

    props = properties(f)
    assert props["mode"] == {"enum": ["a", "b"], "title": "Mode", "type": "string"}
    assert props["tags"]["anyOf"] == [
        {"items": {"type": "string"}, "type": "array"},
        {"type": "null"},
    ]
    assert props["anything"] == {"default": None, "title": "Anything"}


def test_injected_parameters_are_not_part_of_the_schema() -> None:
    @tool
    def f(x: int, callbacks: Any, run_manager: Any = None, config: Any = None) -> int:
        """F."""
        return x

    @tool
    def g(x: int, settings: RunnableConfig) -> int:
        """G: the config found by its annotation."""
        return x

    @tool
    def h(x: int, *args: Any, **kwargs: Any) -> int:
        """H."""
        return x

    for t in (f, g, h):
        assert list(t.args) == ["x"], t.name
        assert list(t.get_input_schema().model_fields) == ["x"]


def test_explicit_name_and_decorator_options() -> None:
    class Query(BaseModel):
        """Query arguments."""

        q: str = Field(description="what to look for")

    @tool("lookup", args_schema=Query, return_direct=True)
    def f(q: str) -> str:
        """Look things up."""
        return q

    assert (f.name, f.description, f.return_direct) == ("lookup", "Look things up.", True)
    assert f.args_schema is Query
    assert f.args == {"q": {"description": "what to look for", "title": "Q", "type": "string"}}


def test_description_falls_back_to_the_args_schema_then_fails_clearly() -> None:
    class Args(BaseModel):
        """Arguments documented here."""

        a: int

    def nodoc(a: int) -> int:
        return a

    assert StructuredTool.from_function(nodoc, args_schema=Args).description == (
        "Arguments documented here."
    )
    assert tool(description="given")(nodoc).description == "given"
    with pytest.raises(ValueError, match="needs a description"):
        tool(nodoc)


def test_lambda_needs_a_name() -> None:
    with pytest.raises(ValueError, match="pass name="):
        StructuredTool.from_function(lambda x: x, description="identity")
    t = StructuredTool.from_function(lambda x: x, name="ident", description="identity")
    assert t.invoke({"x": 3}) == 3


def test_parse_docstring_gives_argument_descriptions() -> None:
    @tool(parse_docstring=True)
    def multiply(a: int, b: int) -> int:
        """Multiply two numbers.

        Args:
            a: The first factor, which may
                span lines.
            b (int): The second factor.

        Returns:
            The product.
        """
        return a * b

    assert multiply.description == "Multiply two numbers."
    props = properties(multiply)
    assert props["a"]["description"] == "The first factor, which may span lines."
    assert props["b"]["description"] == "The second factor."


def test_invalid_docstrings_are_rejected_when_asked() -> None:
    def documents_ghost(a: int) -> int:
        """Do it.

        Args:
            a: real.
            ghost: not a parameter.
        """
        return a

    with pytest.raises(ValueError, match="'ghost'"):
        tool(parse_docstring=True)(documents_ghost)
    assert tool(parse_docstring=True, error_on_invalid_docstring=False)(documents_ghost).args

    def nodoc(a: int) -> int:
        return a

    with pytest.raises(ValueError, match="no docstring"):
        tool(parse_docstring=True, description="d")(nodoc)


def test_parse_docstring_without_args_section() -> None:
    doc = parse_docstring("Summary.\n\nDetails.")
    assert (doc.description, doc.args, doc.has_args_section) == ("Summary.\n\nDetails.", {}, False)


def test_injected_tool_args_are_validated_but_hidden_from_the_model() -> None:
    @tool
    def f(
        a: int, user: Annotated[str, InjectedToolArg], call: Annotated[str, InjectedToolCallId]
    ) -> str:
        """F."""
        return f"{a}:{user}:{call}"

    assert list(f.args) == ["a"]
    assert list(properties(f)) == ["a"]
    assert list(f.get_input_schema().model_fields) == ["a", "user", "call"]
    message = f.invoke(
        {"name": "f", "args": {"a": 1, "user": "u"}, "id": "c7", "type": "tool_call"}
    )
    assert message.content == "1:u:c7"
    with pytest.raises(ValueError, match="whole ToolCall"):
        f.invoke({"a": 1, "user": "u"})


def test_base_tool_subclass_schema_comes_from_run() -> None:
    class Greeter(BaseTool):
        name: str = "greet"
        description: str = "Greet someone."

        def _run(self, who: str, times: int = 1, run_manager: RunManager | None = None) -> str:
            return "hi " * times + who

    greeter = Greeter()
    assert list(greeter.args) == ["who", "times"]
    assert greeter.invoke({"who": "bob", "times": 2}) == "hi hi bob"
    assert greeter.invoke("amy") == "hi amy"


def test_single_input_tool_schema() -> None:
    upper = Tool("upper", lambda s: s.upper(), "Upper-case a text.")
    assert upper.args == {"tool_input": {"type": "string"}}
    assert upper.is_single_input
    assert upper.invoke("abc") == "ABC"
    assert upper.invoke({"anything": "abc"}) == "ABC"
    with pytest.raises(ValueError, match="takes one argument"):
        upper.invoke({"a": "x", "b": "y"})


def test_infer_schema_false_makes_a_single_input_tool() -> None:
    @tool(infer_schema=False)
    def shout(text: str) -> str:
        """Shout."""
        return text.upper() + "!"

    assert isinstance(shout, Tool)
    assert shout.invoke("hey") == "HEY!"


def test_create_schema_from_function_filters_and_names() -> None:
    def f(a: int, b: str = "x", callbacks: CallbackManager | None = None) -> None:
        """Doc."""

    model = create_schema_from_function("MyArgs", f, filter_args=["b"])
    assert model.__name__ == "MyArgs"
    assert list(model.model_fields) == ["a"]
    assert model.model_json_schema()["description"] == "Doc."


def test_parameter_with_leading_underscore_is_rejected() -> None:
    def f(_hidden: int) -> int:
        """F."""
        return _hidden

    with pytest.raises(ValueError, match="underscore"):
        tool(f)


def test_parameter_named_like_a_model_attribute() -> None:
    @tool
    def f(json: str, schema: int = 1) -> str:
        """F."""
        return json * schema

    assert f.invoke({"json": "ab", "schema": 2}) == "abab"
