"""schema_errors: the structural JSON-schema check of structured output."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from runnel.language_models._schema_check import schema_errors

PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name"],
}


def test_a_fitting_value_has_no_errors() -> None:
    assert schema_errors({"name": "Ann", "age": 3, "tags": ["a"], "extra": 1}, PERSON) == []


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ([], "$: expected an object, got an array"),
        ({}, "$: the required property 'name' is missing"),
        ({"name": 1}, "$.name: expected a string, got an integer"),
        ({"name": "A", "age": True}, "$.age: expected an integer, got a boolean"),
        ({"name": "A", "age": 1.5}, "$.age: expected an integer, got a number"),
        ({"name": "A", "tags": ["x", None]}, "$.tags[1]: expected a string, got null"),
    ],
)
def test_each_problem_is_named_with_its_path(value: Any, error: str) -> None:
    assert schema_errors(value, PERSON) == [error]


def test_every_problem_is_reported() -> None:
    errors = schema_errors({"age": "3", "tags": [1, 2]}, PERSON)
    assert errors == [
        "$: the required property 'name' is missing",
        "$.age: expected an integer, got a string",
        "$.tags[0]: expected a string, got an integer",
        "$.tags[1]: expected a string, got an integer",
    ]


def test_json_numbers() -> None:
    assert schema_errors(3.0, {"type": "integer"}) == []
    assert schema_errors(3, {"type": "number"}) == []
    assert schema_errors(False, {"type": "number"}) == ["$: expected a number, got a boolean"]
    assert schema_errors(None, {"type": ["string", "null"]}) == []
    assert schema_errors(1, {"type": ["string", "null"]}) == [
        "$: expected a string or null, got an integer"
    ]


def test_enum_and_const() -> None:
    colour = {"enum": ["red", "green"]}
    assert schema_errors("red", colour) == []
    assert schema_errors("blue", colour) == ["$: 'blue' is not one of 'red', 'green'"]
    assert schema_errors(1, {"const": True}) == ["$: expected True, got 1"]
    assert schema_errors(True, {"enum": [1]}) == ["$: True is not one of 1"]


def test_closed_objects_and_typed_extra_properties() -> None:
    closed = {"type": "object", "properties": {"a": {}}, "additionalProperties": False}
    assert schema_errors({"a": 1, "b": 2}, closed) == ["$: the property 'b' is not allowed"]
    ints = {"type": "object", "additionalProperties": {"type": "integer"}}
    assert schema_errors({"a": 1, "b": "x"}, ints) == ["$.b: expected an integer, got a string"]


def test_tuples() -> None:
    pair = {"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "integer"}}
    assert schema_errors(["a", 1, 2], pair) == []
    assert schema_errors([1, "b"], pair) == [
        "$[0]: expected a string, got an integer",
        "$[1]: expected an integer, got a string",
    ]


def test_alternatives() -> None:
    either = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert schema_errors(1, either) == []
    assert schema_errors([], either) == ["$: an array fits none of the anyOf alternatives"]
    one = {"oneOf": [{"type": "integer"}, {"type": "number"}]}
    assert schema_errors(1.5, one) == []
    assert schema_errors(1, one) == ["$: an integer fits 2 of the oneOf alternatives, not 1"]
    both = {"allOf": [{"required": ["a"]}, {"required": ["b"]}]}
    assert schema_errors({"a": 1}, both) == ["$: the required property 'b' is missing"]


def test_references_resolve_against_the_whole_schema() -> None:
    class Node(BaseModel):
        value: int
        children: list[Node] = []

    schema = Node.model_json_schema()
    tree = {"value": 1, "children": [{"value": 2, "children": [{"value": "x"}]}]}
    assert schema_errors(tree, schema) == [
        "$.children[0].children[0].value: expected an integer, got a string"
    ]
    broken = {"$ref": "#/$defs/Missing"}
    assert schema_errors(1, broken) == [
        "$: the schema's reference '#/$defs/Missing' cannot be resolved"
    ]


def test_boolean_schemas() -> None:
    assert schema_errors({"a": 1}, {"properties": {"a": True}}) == []
    assert schema_errors({"a": 1}, {"properties": {"a": False}}) == [
        "$.a: no value is allowed here"
    ]
