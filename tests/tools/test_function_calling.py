"""convert_to_openai_tool / convert_to_openai_function on each kind of input."""

from __future__ import annotations

import typing
from typing import Annotated, Any

import pytest
import typing_extensions
from pydantic import BaseModel, Field

from runnel.tools import (
    InjectedToolArg,
    render_text_description,
    render_text_description_and_args,
    tool,
)
from runnel.utils.function_calling import (
    convert_to_json_schema,
    convert_to_openai_function,
    convert_to_openai_tool,
)

ADD_PARAMETERS = {
    "properties": {"a": {"type": "integer"}, "b": {"default": 2, "type": "integer"}},
    "required": ["a"],
    "type": "object",
}


def test_tool() -> None:
    @tool
    def add(
        a: int, b: int = 2, callbacks: Any = None, secret: Annotated[str, InjectedToolArg] = ""
    ) -> int:
        """Add two numbers."""
        return a + b

    assert convert_to_openai_tool(add) == {
        "type": "function",
        "function": {
            "name": "add",
            "description": "Add two numbers.",
            "parameters": ADD_PARAMETERS,
        },
    }


def test_function_uses_its_docstring() -> None:
    def add(a: int, b: int = 2) -> int:
        """Add two numbers.

        Args:
            a: The first.
            b: The second.
        """
        return a + b

    function = convert_to_openai_function(add)
    assert function["name"] == "add"
    assert function["description"] == "Add two numbers."
    assert function["parameters"]["properties"] == {
        "a": {"description": "The first.", "type": "integer"},
        "b": {"default": 2, "description": "The second.", "type": "integer"},
    }


def test_function_without_docstring_or_arguments() -> None:
    def ping() -> None:
        pass

    assert convert_to_openai_function(ping) == {
        "name": "ping",
        "description": "",
        "parameters": {"properties": {}, "type": "object"},
    }


class Inner(BaseModel):
    """An inner object."""

    v: int


class Outer(BaseModel):
    """An outer object."""

    title: str = Field(description="a field named title")
    inner: Inner
    many: list[Inner] = []


def test_pydantic_model_refs_inlined_and_titles_dropped() -> None:
    inner = {
        "description": "An inner object.",
        "properties": {"v": {"type": "integer"}},
        "required": ["v"],
        "type": "object",
    }
    assert convert_to_openai_tool(Outer)["function"] == {
        "name": "Outer",
        "description": "An outer object.",
        "parameters": {
            "properties": {
                "title": {"description": "a field named title", "type": "string"},
                "inner": inner,
                "many": {"default": [], "items": inner, "type": "array"},
            },
            "required": ["title", "inner"],
            "type": "object",
        },
    }


class Node(BaseModel):
    """A tree node."""

    children: list[Node] = []


def test_recursive_model_keeps_its_definition() -> None:
    parameters = convert_to_openai_function(Node)["parameters"]
    assert parameters["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert "children" in parameters["$defs"]["Node"]["properties"]


def test_strict_closes_objects_and_requires_everything() -> None:
    function = convert_to_openai_tool(Outer, strict=True)["function"]
    assert function["strict"] is True
    parameters = function["parameters"]
    assert parameters["additionalProperties"] is False
    assert parameters["required"] == ["title", "inner", "many"]
    assert parameters["properties"]["inner"]["additionalProperties"] is False
    assert convert_to_openai_function(Inner, strict=False)["strict"] is False


@pytest.mark.parametrize("typed_dict", [typing.TypedDict, typing_extensions.TypedDict])
def test_typed_dict(typed_dict: Any) -> None:
    class Search(typed_dict):  # type: ignore[misc, valid-type]
        """Search the web.

        Args:
            site: Only this site.
        """

        query: Annotated[str, ..., "What to look for"]
        limit: Annotated[int, 10, "How many results"]
        site: str

    assert convert_to_openai_tool(Search)["function"] == {
        "name": "Search",
        "description": "Search the web.",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "What to look for"},
                "limit": {"type": "integer", "description": "How many results", "default": 10},
                "site": {"type": "string", "description": "Only this site."},
            },
            "required": ["query", "site"],
        },
    }


def test_openai_function_dict() -> None:
    spec = {"name": "f", "description": "F.", "parameters": {"type": "object", "properties": {}}}
    assert convert_to_openai_function(spec) == spec
    assert convert_to_openai_tool(spec) == {"type": "function", "function": spec}


def test_openai_tool_dict_is_returned_unchanged() -> None:
    spec = {"type": "function", "function": {"name": "f"}}
    assert convert_to_openai_tool(spec) == spec
    assert convert_to_openai_function(spec) == {"name": "f"}


def test_builtin_tool_dict_is_returned_unchanged() -> None:
    assert convert_to_openai_tool({"type": "web_search"}) == {"type": "web_search"}


def test_anthropic_tool_dict() -> None:
    spec = {"name": "f", "description": "F.", "input_schema": {"type": "object", "properties": {}}}
    assert convert_to_openai_function(spec) == {
        "name": "f",
        "description": "F.",
        "parameters": {"type": "object", "properties": {}},
    }


def test_json_schema_dict() -> None:
    schema = {
        "title": "f",
        "description": "F.",
        "type": "object",
        "properties": {"a": {"type": "string"}},
    }
    assert convert_to_openai_function(schema) == {
        "name": "f",
        "description": "F.",
        "parameters": {"type": "object", "properties": {"a": {"type": "string"}}},
    }
    assert schema["title"] == "f"  # the input is not modified


@pytest.mark.parametrize("bad", [3, {"foo": 1}, "text"])
def test_unsupported_inputs(bad: Any) -> None:
    with pytest.raises(ValueError, match="cannot describe"):
        convert_to_openai_tool(bad)


def test_convert_to_json_schema() -> None:
    assert convert_to_json_schema(Inner) == {
        "title": "Inner",
        "description": "An inner object.",
        "properties": {"v": {"type": "integer"}},
        "required": ["v"],
        "type": "object",
    }


def test_render_text_description() -> None:
    @tool
    def add(a: int, b: int = 2) -> int:
        """Add two numbers."""
        return a + b

    assert render_text_description([add]) == "add(a: int, b: int = 2) -> int - Add two numbers."
    assert render_text_description_and_args([add]) == (
        "add - Add two numbers., args: {'a': {'title': 'A', 'type': 'integer'}, "
        "'b': {'default': 2, 'title': 'B', 'type': 'integer'}}"
    )


def test_a_json_schema_dict_is_described_but_a_builtin_tool_passes_through() -> None:
    schema = {
        "title": "Joke",
        "description": "a joke",
        "type": "object",
        "properties": {"setup": {"type": "string"}},
    }
    tool = convert_to_openai_tool(schema)
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "Joke"
    assert tool["function"]["parameters"]["properties"] == {"setup": {"type": "string"}}
    assert convert_to_openai_tool({"type": "web_search_preview"}) == {"type": "web_search_preview"}
