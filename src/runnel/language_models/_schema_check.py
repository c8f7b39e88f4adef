"""Check a JSON value against a JSON schema (the structural keywords only).

Structured output given as a dict (a JSON schema, an OpenAI or Anthropic tool) is checked
with `schema_errors` once the model's answer is complete. The keywords checked are those
that decide the shape of a value: ``type``, ``enum``, ``const``, ``properties``,
``required``, ``additionalProperties``, ``items``, ``prefixItems``, ``anyOf``, ``oneOf``,
``allOf`` and local ``$ref`` (``#/$defs/...``, ``#/definitions/...``). Value constraints
(``minimum``, ``pattern``, ``format``, lengths...) are not checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["schema_errors"]

_TYPES: dict[str, str] = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def schema_errors(value: Any, schema: Mapping[str, Any]) -> list[str]:
    """What in `value` does not fit `schema`, one message per problem (empty if it fits).

    Each message starts with the path of the offending part (``$`` is the whole value):
    ``"$.countries[1].population: expected an integer, got a string"``.
    """
    errors: list[str] = []
    _check(value, schema, schema, "$", errors)
    return errors


def _check(value: Any, schema: Any, root: Mapping[str, Any], path: str, errors: list[str]) -> None:
    if schema is False:
        errors.append(f"{path}: no value is allowed here")
        return
    if not isinstance(schema, Mapping):
        return  # True, or not a schema: anything fits
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = _resolve(ref, root)
        if target is None:
            errors.append(f"{path}: the schema's reference {ref!r} cannot be resolved")
        else:
            _check(value, target, root, path, errors)
    types = schema.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else list(types)
        if not any(_is_type(value, t) for t in allowed):
            wanted = " or ".join(_TYPES.get(t, t) for t in allowed)
            errors.append(f"{path}: expected {wanted}, got {_kind(value)}")
            return  # the other keywords would only repeat the mismatch
    if "const" in schema and not _same(value, schema["const"]):
        errors.append(f"{path}: expected {schema['const']!r}, got {value!r}")
    if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
        options = ", ".join(map(repr, schema["enum"]))
        errors.append(f"{path}: {value!r} is not one of {options}")
    if isinstance(value, dict):
        _check_object(value, schema, root, path, errors)
    elif isinstance(value, list):
        _check_array(value, schema, root, path, errors)
    for sub in schema.get("allOf", ()):
        _check(value, sub, root, path, errors)
    _check_alternatives(value, schema, root, path, errors)


def _check_object(
    value: dict[str, Any],
    schema: Mapping[str, Any],
    root: Mapping[str, Any],
    path: str,
    errors: list[str],
) -> None:
    properties: Mapping[str, Any] = schema.get("properties", {})
    for name in schema.get("required", ()):
        if name not in value:
            errors.append(f"{path}: the required property {name!r} is missing")
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        where = f"{path}.{name}"
        if name in properties:
            _check(item, properties[name], root, where, errors)
        elif extra is False:
            errors.append(f"{path}: the property {name!r} is not allowed")
        else:
            _check(item, extra, root, where, errors)


def _check_array(
    value: list[Any],
    schema: Mapping[str, Any],
    root: Mapping[str, Any],
    path: str,
    errors: list[str],
) -> None:
    prefix = schema.get("prefixItems", ())
    for index, (item, sub) in enumerate(zip(value, prefix, strict=False)):
        _check(item, sub, root, f"{path}[{index}]", errors)
    items = schema.get("items")
    if items is not None:
        for index in range(len(prefix), len(value)):
            _check(value[index], items, root, f"{path}[{index}]", errors)


def _check_alternatives(
    value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], path: str, errors: list[str]
) -> None:
    for keyword in ("anyOf", "oneOf"):
        options = schema.get(keyword)
        if not options:
            continue
        fits = sum(1 for option in options if not _errors_in(value, option, root))
        if fits == 0:
            errors.append(f"{path}: {_kind(value)} fits none of the {keyword} alternatives")
        elif keyword == "oneOf" and fits > 1:
            errors.append(f"{path}: {_kind(value)} fits {fits} of the oneOf alternatives, not 1")


def _errors_in(value: Any, schema: Any, root: Mapping[str, Any]) -> list[str]:
    """`schema_errors` for a part of `root` (its references resolve against `root`)."""
    errors: list[str] = []
    _check(value, schema, root, "$", errors)
    return errors


def _resolve(ref: str, root: Mapping[str, Any]) -> Any:
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        return None
    node: Any = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        if isinstance(value, float):
            return value.is_integer()
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    python = {
        "object": dict,
        "array": list,
        "string": str,
        "boolean": bool,
        "null": type(None),
    }.get(name)
    return python is not None and isinstance(value, python)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: True is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _kind(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is_type(value, name):
            return _TYPES[name]
    return f"a {type(value).__name__}"
