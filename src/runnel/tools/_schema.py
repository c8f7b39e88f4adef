"""Argument schemas of tools: from a function's signature and docstring, minus injected args.

Parameters that runnel fills in at call time are never part of a schema:
`callbacks`, `run_manager`, and the config (a parameter named `config` or annotated
`RunnableConfig`). Parameters annotated `Annotated[T, InjectedToolArg]` are validated but
hidden from the model (`tool_call_schema`); `InjectedToolCallId` ones receive the id of
the tool call.
"""

from __future__ import annotations

import functools
import inspect
import re
import typing
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from runnel.runnables._config import RunnableConfig

__all__ = [
    "InjectedToolArg",
    "InjectedToolCallId",
    "Docstring",
    "Injections",
    "create_schema_from_function",
    "injected_fields",
    "injections",
    "parse_docstring",
    "visible_schema",
]

_MODEL_CONFIG = ConfigDict(arbitrary_types_allowed=True, protected_namespaces=())
_ARGS_HEADER = re.compile(r"^(Args|Arguments|Parameters|Params):\s*$")
_ARG_LINE = re.compile(r"^(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


class InjectedToolArg:
    """Annotation marker: the argument is given at call time, never by the model.

    `Annotated[str, InjectedToolArg]` keeps the argument in `args_schema` (it is
    validated) but out of `tool_call_schema` (what a model is shown).
    """


class InjectedToolCallId(InjectedToolArg):
    """Annotation marker: the argument receives the id of the tool call being answered.

    Such a tool must be invoked with a whole `ToolCall`.
    """


# -- docstrings ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Docstring:
    """A Google-style docstring split into its description and its `Args:` entries."""

    description: str
    args: dict[str, str]
    has_args_section: bool


def parse_docstring(doc: str | None) -> Docstring:
    """Split a Google-style docstring into the text before `Args:` and each argument's text.

    Continuation lines (indented deeper) are joined with spaces; sections after `Args:`
    (`Returns:`, `Raises:`...) are left out of both.
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    index = next((i for i, line in enumerate(lines) if _ARGS_HEADER.match(line)), None)
    if index is None:
        return Docstring("\n".join(lines).strip(), {}, False)
    description = "\n".join(lines[:index]).strip()
    args: dict[str, str] = {}
    indent: int | None = None
    current: str | None = None
    for line in lines[index + 1 :]:
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        if depth == 0:
            break  # next section
        if indent is None:
            indent = depth
        match = _ARG_LINE.match(line.strip()) if depth == indent else None
        if match:
            current = match.group(1).lstrip("*")
            args[current] = match.group(2).strip()
        elif current is not None:
            args[current] = f"{args[current]} {line.strip()}".strip()
    return Docstring(description, args, True)


# -- injected parameters ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Injections:
    """Which parameters of a function runnel fills in: their names, or None."""

    callbacks: str | None = None
    run_manager: str | None = None
    config: str | None = None

    @property
    def names(self) -> frozenset[str]:
        """The injected parameter names."""
        return frozenset(n for n in (self.callbacks, self.run_manager, self.config) if n)


def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    try:
        return get_type_hints(func, include_extras=True)
    except Exception:  # unresolvable forward references: use what is not a string
        annotations = getattr(func, "__annotations__", {})
        return {k: v for k, v in annotations.items() if not isinstance(v, str)}


def _is_config_type(hint: Any) -> bool:
    if hint is RunnableConfig:
        return True
    return any(arg is RunnableConfig for arg in typing.get_args(hint))


def injections(func: Callable[..., Any]) -> Injections:
    """The parameters of `func` that runnel injects (`callbacks`, `run_manager`, config)."""
    func = getattr(func, "__func__", func)  # a bound method: its function
    try:
        return _cached_injections(func)
    except TypeError:  # unhashable callable object
        return _injections(func)


@functools.cache
def _cached_injections(func: Callable[..., Any]) -> Injections:
    return _injections(func)


def _injections(func: Callable[..., Any]) -> Injections:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return Injections()
    hints = _hints(func)
    config = next(
        (name for name in params if name == "config" or _is_config_type(hints.get(name))), None
    )
    return Injections(
        callbacks="callbacks" if "callbacks" in params else None,
        run_manager="run_manager" if "run_manager" in params else None,
        config=config,
    )


def _is_injected_marker(item: Any, kind: type[InjectedToolArg]) -> bool:
    return isinstance(item, kind) or (isinstance(item, type) and issubclass(item, kind))


def injected_fields(
    schema: type[BaseModel], kind: type[InjectedToolArg] = InjectedToolArg
) -> list[str]:
    """Names of the fields of `schema` marked `kind` (`InjectedToolArg` or a subclass)."""
    return [
        name
        for name, field in schema.model_fields.items()
        if any(_is_injected_marker(item, kind) for item in field.metadata)
    ]


@functools.lru_cache(maxsize=1024)
def visible_schema(schema: type[BaseModel]) -> type[BaseModel]:
    """`schema` without its injected fields: what a model is shown (`tool_call_schema`)."""
    hidden = injected_fields(schema)
    if not hidden:
        return schema
    fields: dict[str, Any] = {
        name: (field.annotation, field)
        for name, field in schema.model_fields.items()
        if name not in hidden
    }
    model = create_model(schema.__name__, __config__=_MODEL_CONFIG, **fields)
    model.__doc__ = schema.__doc__
    return model


# -- schema from a signature --------------------------------------------------------
def create_schema_from_function(
    model_name: str,
    func: Callable[..., Any],
    *,
    filter_args: typing.Collection[str] = (),
    parse_docstring: bool = False,
    error_on_invalid_docstring: bool = False,
    description: str | None = None,
) -> type[BaseModel]:
    """A pydantic model of the arguments of `func`, named `model_name`.

    Injected parameters, `*args`/`**kwargs` and `filter_args` are left out; an
    unannotated parameter accepts anything. With `parse_docstring`, each argument's
    description comes from the `Args:` section of the docstring, and the model's
    docstring is the text before it.

    Raises:
        ValueError: with `error_on_invalid_docstring`, the docstring is missing or
            documents an argument that `func` does not have.
    """
    signature = inspect.signature(func)
    hints = _hints(func)
    skip = injections(func).names | set(filter_args)
    doc = _parse_func_doc(func, parse_docstring, error_on_invalid_docstring)
    fields: dict[str, Any] = {}
    for name, param in signature.parameters.items():
        if name in skip or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if name.startswith("_"):
            raise ValueError(
                f"parameter {name!r} of {getattr(func, '__name__', func)!r} starts with an "
                "underscore, which an argument schema cannot hold: rename it"
            )
        hint = hints.get(name, Any) if param.annotation is not param.empty else Any
        default = ... if param.default is param.empty else param.default
        text = doc.args.get(name) if doc is not None else None
        fields[name] = (hint, Field(default, description=text) if text else default)
    with warnings.catch_warnings():
        # A parameter named like a BaseModel attribute (`json`, `schema`...) is fine here.
        warnings.filterwarnings("ignore", message="Field name .* shadows an attribute")
        model = create_model(model_name, __config__=_MODEL_CONFIG, **fields)
    if description is not None:
        model.__doc__ = description
    elif doc is not None:
        model.__doc__ = doc.description or None
    else:
        model.__doc__ = inspect.getdoc(func)
    return model


def _parse_func_doc(func: Callable[..., Any], parse: bool, strict: bool) -> Docstring | None:
    if not parse:
        return None
    raw = inspect.getdoc(func)
    doc = parse_docstring(raw)
    if strict:
        name = getattr(func, "__name__", repr(func))
        if not raw:
            raise ValueError(
                f"{name!r} has no docstring to parse: write one or pass parse_docstring=False"
            )
        params = inspect.signature(func).parameters
        unknown = [arg for arg in doc.args if arg not in params]
        if unknown:
            raise ValueError(
                f"the docstring of {name!r} documents {', '.join(map(repr, unknown))}, "
                "which the function does not take"
            )
    return doc
