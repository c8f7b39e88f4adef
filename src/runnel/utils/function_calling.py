"""Tool definitions in OpenAI's format, from tools, pydantic models, TypedDicts and functions."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo
from typing_extensions import is_typeddict

__all__ = ["convert_to_json_schema", "convert_to_openai_function", "convert_to_openai_tool"]

_UNSUPPORTED = (
    "cannot describe {what} as a function: pass a tool, a pydantic model, a TypedDict, a "
    "function, or a dict (OpenAI function or tool, Anthropic tool, or a JSON schema with a "
    "top-level 'title')"
)


def convert_to_openai_tool(
    tool: Mapping[str, Any] | type | Callable[..., Any] | Any, *, strict: bool | None = None
) -> dict[str, Any]:
    """Describe `tool` as an OpenAI tool: `{"type": "function", "function": {...}}`.

    Dicts that already are OpenAI tools, and provider built-in tools (a dict whose `type`
    is not "function", and that is not a JSON schema of an object), are returned unchanged.

    Args:
        tool: A `BaseTool`, pydantic model class, TypedDict class, function, or dict.
        strict: Set the function's `strict` flag; True also makes every object schema
            closed (`additionalProperties: false`) with all its properties required.

    Raises:
        ValueError: `tool` is none of the supported kinds.
    """
    if isinstance(tool, Mapping) and "type" in tool and not _is_json_schema(tool):
        if tool["type"] != "function" or "function" not in tool:
            return dict(tool)
        if strict is None:
            return dict(tool)
    return {"type": "function", "function": convert_to_openai_function(tool, strict=strict)}


def _is_json_schema(tool: Mapping[str, Any]) -> bool:
    """Whether a dict is a JSON schema (to describe), not a provider's built-in tool."""
    return tool.get("type") == "object" and ("properties" in tool or "title" in tool)


def convert_to_openai_function(
    function: Mapping[str, Any] | type | Callable[..., Any] | Any, *, strict: bool | None = None
) -> dict[str, Any]:
    """Describe `function` as an OpenAI function: `{"name", "description", "parameters"}`.

    Tools use their `tool_call_schema` (injected arguments hidden); pydantic models and
    TypedDicts their docstring as description; functions their signature and Google-style
    docstring (`Args:` gives each parameter's description). `$ref`s are inlined and
    `title`s dropped from the parameters.

    Raises:
        ValueError: `function` is none of the supported kinds.
    """
    from runnel.tools import BaseTool

    if isinstance(function, Mapping):
        out = _from_dict(function)
    elif isinstance(function, BaseTool):
        schema = function.tool_call_schema
        parameters = schema.model_json_schema() if isinstance(schema, type) else dict(schema)
        out = _function(function.name, function.description, parameters)
    elif isinstance(function, type) and issubclass(function, BaseModel):
        parameters = function.model_json_schema()
        name = parameters.pop("title", function.__name__)
        out = _function(name, parameters.pop("description", ""), parameters)
    elif is_typeddict(function):
        parameters = _typed_dict_schema(function)
        out = _function(function.__name__, parameters.pop("description", ""), parameters)
    elif callable(function) and hasattr(function, "__name__"):
        out = _from_callable(function)
    else:
        raise ValueError(_UNSUPPORTED.format(what=repr(function)))
    if strict is not None:
        out["strict"] = strict
        if strict and "parameters" in out:
            out["parameters"] = _strict(out["parameters"])
    return out


def convert_to_json_schema(schema: Any, *, strict: bool | None = None) -> dict[str, Any]:
    """The JSON schema of what `convert_to_openai_function` accepts (title, description).

    Raises:
        ValueError: `schema` is none of the supported kinds.
    """
    function = convert_to_openai_function(schema, strict=strict)
    out: dict[str, Any] = {"title": function["name"]}
    if function.get("description"):
        out["description"] = function["description"]
    out.update(function.get("parameters", {"type": "object", "properties": {}}))
    return out


# -- sources --------------------------------------------------------------------------
def _function(name: str, description: str, parameters: dict[str, Any]) -> dict[str, Any]:
    parameters.pop("title", None)
    parameters.pop("description", None)
    return {
        "name": name,
        "description": description or "",
        "parameters": _drop_titles(_inline_refs(parameters)),
    }


def _from_dict(spec: Mapping[str, Any]) -> dict[str, Any]:
    if spec.get("type") == "function" and isinstance(spec.get("function"), Mapping):
        return dict(spec["function"])
    if "name" in spec and "input_schema" in spec:  # Anthropic
        out = {"name": spec["name"], "parameters": dict(spec["input_schema"])}
        if "description" in spec:
            out["description"] = spec["description"]
        return out
    if "name" in spec and ("parameters" in spec or "description" in spec):
        return {k: spec[k] for k in ("name", "description", "parameters", "strict") if k in spec}
    if "title" in spec:  # a JSON schema
        parameters = copy.deepcopy(dict(spec))
        out = {"name": parameters.pop("title")}
        if "description" in parameters:
            out["description"] = parameters.pop("description")
        out["parameters"] = parameters
        return out
    raise ValueError(_UNSUPPORTED.format(what=f"the dict {dict(spec)!r}"))


def _from_callable(func: Callable[..., Any]) -> dict[str, Any]:
    from runnel.tools._schema import create_schema_from_function, parse_docstring

    model = create_schema_from_function(func.__name__, func, parse_docstring=True)
    description = parse_docstring(inspect.getdoc(func)).description
    return _function(func.__name__, description, model.model_json_schema())


def _typed_dict_schema(typed_dict: Any) -> dict[str, Any]:
    """The JSON schema of a TypedDict class (typing's or typing_extensions').

    `Annotated[T, default, "description"]` sets a field's default (`...`: required) and
    description; the class docstring's `Args:` section describes fields too.
    """
    from runnel.tools._schema import parse_docstring

    doc = parse_docstring(typed_dict.__doc__)
    hints = get_type_hints(typed_dict, include_extras=True)
    required = set(getattr(typed_dict, "__required_keys__", hints))
    properties: dict[str, Any] = {}
    defs: dict[str, Any] = {}
    for name, hint in hints.items():
        base, meta = (
            (get_args(hint)[0], hint.__metadata__) if get_origin(hint) is Annotated else (hint, ())
        )
        if is_typeddict(base):
            prop = _typed_dict_schema(base)
            defs.update(prop.pop("$defs", {}))
        else:
            fields = [m for m in meta if isinstance(m, FieldInfo)]
            target: Any = Annotated[(base, *fields)] if fields else base
            prop = TypeAdapter(target).json_schema()
            defs.update(prop.pop("$defs", {}))
        description = next((m for m in meta if isinstance(m, str)), None) or doc.args.get(name)
        if description:
            prop["description"] = description
        defaults = [m for m in meta if not isinstance(m, str | FieldInfo)]
        if defaults and defaults[0] is not ...:
            prop["default"] = defaults[0]
            required.discard(name)
        properties[name] = prop
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if doc.description:
        schema["description"] = doc.description
    names = [name for name in hints if name in required]
    if names:
        schema["required"] = names
    if defs:
        schema["$defs"] = defs
    return schema


# -- schema clean-up ------------------------------------------------------------------
def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace `#/$defs/...` references by their definitions (recursive ones are kept)."""
    defs: dict[str, Any] = schema.get("$defs", {})
    kept: set[str] = set()

    def resolve(node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [resolve(item, stack) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            key = ref[len("#/$defs/") :]
            if key in stack or key not in defs:
                kept.add(key)
                return dict(node)
            siblings = {k: resolve(v, stack) for k, v in node.items() if k != "$ref"}
            return {**resolve(defs[key], (*stack, key)), **siblings}
        return {k: resolve(v, stack) for k, v in node.items() if k != "$defs"}

    out: dict[str, Any] = resolve(schema, ())
    if kept:
        out["$defs"] = {key: resolve(defs[key], (key,)) for key in kept if key in defs}
    return out


def _drop_titles(node: Any, *, properties: bool = False) -> Any:
    """Remove pydantic's `title`s from a schema (not properties that are named "title")."""
    if isinstance(node, list):
        return [_drop_titles(item) for item in node]
    if not isinstance(node, dict):
        return node
    if properties:  # a name -> schema mapping
        return {name: _drop_titles(value) for name, value in node.items()}
    return {
        key: _drop_titles(value, properties=key in ("properties", "$defs"))
        for key, value in node.items()
        if not (key == "title" and isinstance(value, str))
    }


def _strict(node: Any) -> Any:
    """Close every object schema and require all its properties (OpenAI strict mode)."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items()}
    if out.get("type") == "object" and "properties" in out:
        out["properties"] = {name: _strict(value) for name, value in node["properties"].items()}
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out
