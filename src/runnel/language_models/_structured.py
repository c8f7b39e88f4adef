"""Structured output: a chat model's answer as a dict or a pydantic object, streamed.

`BaseChatModel.with_structured_output` builds ``model | parser``, by method:

* ``function_calling``: ``model.bind_tools([schema], tool_choice=<its name>)``, then
  `PydanticToolsParser` (pydantic models) or `JsonOutputKeyToolsParser` (the rest);
* ``json_mode``: ``model.bind(response_format={"type": "json_object"})``, then
  `PydanticOutputParser` or `JsonOutputParser`;
* ``json_schema``: ``model.bind(response_format={"type": "json_schema", "json_schema":
  {"name", "description", "schema", "strict"}})``, then the same parsers.

The parsers are the incremental ones of `runnel.output_parsers`: ``stream`` yields the object
so far each time it grows (linear in the answer's size), and the complete object is checked
against the schema: pydantic models validate it, TypedDicts and dict schemas check it with
`schema_errors`. A failed check raises `OutputParserException` saying what does not fit.

With ``include_raw=True`` the output is ``{"raw": AIMessage, "parsed": ..., "parsing_error":
...}``, and a parsing failure is returned, not raised. Its stream yields ``{"raw": chunk}``
as the model streams, then ``{"parsed": ..., "parsing_error": ...}``: the chunks add up to
what ``invoke`` returns.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from runnel._core.fold import AddableDict, add_chunks
from runnel._core.run import step_config
from runnel.exceptions import OutputParserException
from runnel.language_models._schema_check import schema_errors
from runnel.output_parsers import (
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    PydanticOutputParser,
    PydanticToolsParser,
)
from runnel.output_parsers._transform import ParserStream
from runnel.runnables import Runnable, RunnableConfig
from runnel.runnables._utils import aclosing, close
from runnel.utils.function_calling import convert_to_openai_function

if TYPE_CHECKING:
    from runnel.language_models._chat import BaseChatModel

__all__ = ["StructuredOutputMethod", "with_structured_output"]

StructuredOutputMethod = Literal["function_calling", "json_mode", "json_schema"]
_METHODS: tuple[str, ...] = ("function_calling", "json_mode", "json_schema")


def with_structured_output(
    model: BaseChatModel,
    schema: Any,
    *,
    method: StructuredOutputMethod = "function_calling",
    include_raw: bool = False,
    strict: bool | None = None,
) -> Runnable[Any, Any]:
    """A runnable answering with `model`'s output parsed to fit `schema` (see the module).

    Args:
        model: The chat model.
        schema: A pydantic model class, a TypedDict class, a JSON schema (a dict with a
            top-level ``title``), or an OpenAI / Anthropic tool dict. With
            ``method="json_mode"`` it may be None: any JSON object is accepted.
        method: How the model is asked for structured output.
        include_raw: Return the raw message and the parsing error along with the result.
        strict: Passed on as the tool's / JSON schema's ``strict`` flag when given.

    Raises:
        ValueError: an unknown method, a missing or unsupported schema.
        NotImplementedError: ``function_calling`` on a model without tool calling.
    """
    if method not in _METHODS:
        raise ValueError(
            f"Unknown structured output method {method!r}: use one of "
            + ", ".join(map(repr, _METHODS))
        )
    if schema is None and method != "json_mode":
        raise ValueError(f"with_structured_output(method={method!r}) needs a schema")
    model_class = schema if _is_model_class(schema) else None
    if method == "function_calling":
        name, json_schema = _describe(schema, method)
        bound = _bind_tool(model, schema, name, strict)
        parser: Runnable[Any, Any] = (
            PydanticToolsParser(tools=[model_class], first_tool_only=True)
            if model_class is not None
            else _CheckedToolParser(
                key_name=name, first_tool_only=True, check=_SchemaCheck(name, json_schema)
            )
        )
    else:
        response_format = (
            {"type": "json_object"}
            if method == "json_mode"
            else _json_schema_format(schema, strict)
        )
        bound = model.bind(response_format=response_format)
        if model_class is not None:
            parser = PydanticOutputParser(pydantic_object=model_class)
        elif schema is None:
            parser = JsonOutputParser()
        else:
            parser = _CheckedJsonParser(check=_SchemaCheck(*_describe(schema, method)))
    if include_raw:
        return _RawAndParsed(bound, parser)
    return bound | parser


# -- schemas -----------------------------------------------------------------------------
def _is_model_class(schema: Any) -> bool:
    return isinstance(schema, type) and issubclass(schema, BaseModel)


def _describe(schema: Any, method: str) -> tuple[str, dict[str, Any]]:
    """The name and JSON schema of a schema (pydantic models, TypedDicts, dicts...).

    Raises:
        ValueError: `schema` cannot be described (a dict schema without a name is accepted
            by ``json_mode`` only).
    """
    if isinstance(schema, Mapping):
        spec = schema.get("json_schema") if schema.get("type") == "json_schema" else schema
        if isinstance(spec, Mapping) and "name" in spec and isinstance(spec.get("schema"), Mapping):
            return str(spec["name"]), dict(spec["schema"])  # OpenAI's json_schema format
    try:
        function = convert_to_openai_function(schema)
    except ValueError as exc:
        if method == "json_mode" and isinstance(schema, Mapping):
            return "output", dict(schema)  # an untitled JSON schema
        raise ValueError(f"with_structured_output: {exc}") from exc
    return str(function["name"]), dict(function.get("parameters") or {})


def _json_schema_format(schema: Any, strict: bool | None) -> dict[str, Any]:
    """The ``response_format`` asking an OpenAI-style provider for JSON fitting `schema`."""
    if isinstance(schema, Mapping) and schema.get("type") == "json_schema":
        return dict(schema)  # already a response format
    if isinstance(schema, Mapping) and "name" in schema and "schema" in schema:
        spec = dict(schema)
    else:
        function = convert_to_openai_function(schema, strict=strict)
        spec = {"name": function["name"]}
        if function.get("description"):
            spec["description"] = function["description"]
        spec["schema"] = function.get("parameters") or {"type": "object", "properties": {}}
    if strict is not None:
        spec["strict"] = strict
    return {"type": "json_schema", "json_schema": spec}


def _bind_tool(
    model: BaseChatModel, schema: Any, name: str, strict: bool | None
) -> Runnable[Any, Any]:
    options: dict[str, Any] = {} if strict is None else {"strict": strict}
    try:
        bound: Runnable[Any, Any] = model.bind_tools([schema], tool_choice=name, **options)
    except NotImplementedError as exc:
        cls = type(model).__name__
        raise NotImplementedError(
            f"{cls} cannot give structured output with method='function_calling': it does "
            f"not support tool calling (bind_tools). Implement {cls}.bind_tools, or use "
            "method='json_mode' or 'json_schema' if its provider accepts response_format."
        ) from exc
    return bound


@dataclass(frozen=True, slots=True)
class _SchemaCheck:
    """Raise `OutputParserException` when a complete value does not fit `schema`."""

    name: str
    schema: dict[str, Any]

    def __call__(self, value: Any) -> None:
        errors = schema_errors(value, self.schema)
        if errors:
            text = json.dumps(value, ensure_ascii=False, default=str)
            raise OutputParserException(
                f"The output does not fit the schema {self.name!r}: " + "; ".join(errors),
                llm_output=text,
            )


# -- parsers that check the complete value ------------------------------------------------
class _CheckedStream:
    """A parser's stream whose last value is checked when the input ends."""

    __slots__ = ("_check", "_inner", "_last")

    def __init__(self, inner: ParserStream[Any], check: _SchemaCheck) -> None:
        self._inner = inner
        self._check = check
        self._last: Any = None

    def feed(self, chunk: Any) -> list[Any]:
        values = self._inner.feed(chunk)
        if values:
            self._last = values[-1]
        return values

    def close(self) -> list[Any]:
        values = self._inner.close()
        if values:
            self._last = values[-1]
        if self._last is not None:
            self._check(self._last)
        return values


class _CheckedToolParser(JsonOutputKeyToolsParser):
    """`JsonOutputKeyToolsParser` whose complete value must fit a JSON schema."""

    check: _SchemaCheck

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        return super().get_name(suffix, name=name or self.name or "JsonOutputKeyToolsParser")

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        value = super()._invoke(input, config, **kwargs)
        if value is not None:
            self.check(value)
        return value

    def _parser_stream(self) -> ParserStream[Any]:
        return _CheckedStream(super()._parser_stream(), self.check)


class _CheckedJsonParser(JsonOutputParser):
    """`JsonOutputParser` whose complete value must fit a JSON schema."""

    check: _SchemaCheck

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        return super().get_name(suffix, name=name or self.name or "JsonOutputParser")

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        value = super()._invoke(input, config, **kwargs)
        self.check(value)
        return value

    def _parser_stream(self) -> ParserStream[Any]:
        return _CheckedStream(super()._parser_stream(), self.check)


# -- include_raw ---------------------------------------------------------------------------
class _RawAndParsed(Runnable[Any, dict[str, Any]]):
    """``{"raw": message, "parsed": value, "parsing_error": error}``: parsing failures are
    returned, not raised. Reported as LangChain reports it: a ``RunnableSequence`` run with
    the model (``seq:step:1``) and the parser (``seq:step:2``) as children.
    """

    def __init__(self, model: Runnable[Any, Any], parser: Runnable[Any, Any]) -> None:
        self.model = model
        self.parser = parser
        self.name = "RunnableSequence"

    def __repr__(self) -> str:
        return f"RawAndParsed(model={self.model!r}, parser={self.parser!r})"

    @property
    def OutputType(self) -> Any:
        return dict[str, Any]

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> dict[str, Any]:
        raw = self.model.invoke(input, step_config(config, "seq:step:1"))
        return {"raw": raw, **self._parse(raw, config)}

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> dict[str, Any]:
        raw = await self.model.ainvoke(input, step_config(config, "seq:step:1"))
        return {"raw": raw, **(await self._aparse(raw, config))}

    def _transform(
        self, chunks: Iterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> Iterator[AddableDict]:
        pieces: list[Any] = []
        raw = self.model.transform(chunks, step_config(config, "seq:step:1"))
        try:
            for chunk in raw:
                pieces.append(chunk)
                yield AddableDict(raw=chunk)
        finally:
            close(raw)
            close(chunks)
        yield AddableDict(self._parse(add_chunks(pieces), config))

    async def _atransform(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[AddableDict]:
        pieces: list[Any] = []
        async with aclosing(chunks):  # type: ignore[type-var]
            raw = self.model.atransform(chunks, step_config(config, "seq:step:1"))
            async with aclosing(raw):  # type: ignore[type-var]
                async for chunk in raw:
                    pieces.append(chunk)
                    yield AddableDict(raw=chunk)
        yield AddableDict(await self._aparse(add_chunks(pieces), config))

    def _parse(self, raw: Any, config: RunnableConfig) -> dict[str, Any]:
        try:
            parsed = self.parser.invoke(raw, step_config(config, "seq:step:2"))
        except Exception as exc:  # the error is the result
            return {"parsed": None, "parsing_error": exc}
        return {"parsed": parsed, "parsing_error": None}

    async def _aparse(self, raw: Any, config: RunnableConfig) -> dict[str, Any]:
        try:
            parsed = await self.parser.ainvoke(raw, step_config(config, "seq:step:2"))
        except Exception as exc:  # the error is the result
            return {"parsed": None, "parsing_error": exc}
        return {"parsed": parsed, "parsing_error": None}
