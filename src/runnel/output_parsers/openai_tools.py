"""Parsers of a chat model's tool calls (`langchain_core.output_parsers.openai_tools`).

They read `AIMessage.tool_calls`, or while streaming the `tool_call_chunks` of each
`AIMessageChunk`, and stream the calls with their arguments so far each time they change.
Each call's arguments are parsed incrementally (see `ToolCallStream`): linear in their size.

A call is shown as ``{"args": {...}, "type": <tool name>}`` (plus ``"id"`` with `return_id`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError, model_validator

from runnel.exceptions import OutputParserException
from runnel.messages import AIMessage, BaseMessage
from runnel.output_parsers._tool_calls import StreamedToolCall, ToolCallStream
from runnel.output_parsers._transform import BaseCumulativeTransformOutputParser, ParserStream
from runnel.outputs import ChatGeneration, Generation

__all__ = ["JsonOutputKeyToolsParser", "JsonOutputToolsParser", "PydanticToolsParser"]

_NEVER: Any = object()
_NOT_CHAT = (
    "{name} reads the tool calls of a chat model's message; it got {what}. "
    "Put it after a chat model."
)


class JsonOutputToolsParser(BaseCumulativeTransformOutputParser[Any]):
    """The tool calls of a chat model's message, as dicts.

    Returns ``[{"args": {...}, "type": name}, ...]``, or with `first_tool_only` the first such
    dict. As in LangChain, a message without (valid) tool calls gives ``[]`` in both modes.
    Streaming yields the calls so far each time they change; the first chunk always yields.

    Attributes:
        return_id: Include each call's ``"id"``.
        first_tool_only: Return only the first call.
    """

    return_id: bool = False
    first_tool_only: bool = False

    @model_validator(mode="after")
    def _no_diff(self) -> JsonOutputToolsParser:
        if self.diff:
            raise ValueError(f"{type(self).__name__} does not support diff=True")
        return self

    def parse(self, text: str) -> Any:
        """Not available: tool calls live in a message, not in text.

        Raises:
            NotImplementedError: always.
        """
        raise NotImplementedError(
            f"{type(self).__name__} parses messages: use invoke or parse_result"
        )

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """The tool calls of the first generation's message.

        Raises:
            OutputParserException: if the generation holds no message.
        """
        generation = result[0]
        if not isinstance(generation, ChatGeneration):
            raise OutputParserException(_NOT_CHAT.format(name=type(self).__name__, what="text"))
        calls = ToolCallStream(track_ids=self.return_id)
        if isinstance(generation.message, AIMessage):
            calls.add_message(generation.message)
        return self._select(calls.valid, final=not partial)[1]

    def _parser_stream(self) -> ParserStream[Any]:
        return _ToolsStream(self)

    def _format(self, call: StreamedToolCall) -> dict[str, Any]:
        if self.return_id:
            return {"args": call.args, "id": call.id, "type": call.name}
        return {"args": call.args, "type": call.name}

    def _select(self, calls: list[StreamedToolCall], *, final: bool) -> tuple[Any, Any]:
        """What to show for these valid calls: (a key that changes with it, the value)."""
        if not calls:
            return (), []
        if self.first_tool_only:
            first = calls[0]
            return ((first, first.version),), self._format(first)
        return _key(calls), [self._format(call) for call in calls]


class JsonOutputKeyToolsParser(JsonOutputToolsParser):
    """The arguments of the calls to one tool.

    Returns the list of the calls' args dicts, or with `first_tool_only` the first one (None if
    there is none); with `return_id`, whole call dicts instead of args.

    Attributes:
        key_name: The tool whose calls to return.
    """

    key_name: str

    def _select(self, calls: list[StreamedToolCall], *, final: bool) -> tuple[Any, Any]:
        matches = [call for call in calls if call.name == self.key_name]
        if self.first_tool_only:
            if not matches:
                return (), None
            first = matches[0]
            value = self._format(first) if self.return_id else first.args
            return ((first, first.version),), value
        values = [self._format(call) if self.return_id else call.args for call in matches]
        return _key(matches), values


class PydanticToolsParser(JsonOutputToolsParser):
    """The tool calls of a message as instances of the tools' pydantic models.

    A call maps to the model whose title (or class name) is the call's name. While streaming,
    calls whose arguments do not validate yet are left out; at the end every call must validate.

    Attributes:
        tools: The models, one per tool.
    """

    tools: list[type[BaseModel]]

    def _select(self, calls: list[StreamedToolCall], *, final: bool) -> tuple[Any, Any]:
        if not calls:
            empty: list[Any] | None = None if self.first_tool_only else []
            return empty, empty
        models = _models_by_name(self.tools)
        instances = []
        for call in calls[:1] if self.first_tool_only else calls:
            instance = _validated(call, models, final=final)
            if instance is not None:
                instances.append(instance)
        if self.first_tool_only:
            value = instances[0] if instances else None
            return value, value
        return instances, instances


class _ToolsStream:
    """Feed messages to a `ToolCallStream`; yield the parser's view when it changes."""

    __slots__ = ("_calls", "_last", "_parser")

    def __init__(self, parser: JsonOutputToolsParser) -> None:
        self._parser = parser
        self._calls = ToolCallStream(track_ids=parser.return_id)
        self._last: Any = _NEVER

    def feed(self, chunk: Any) -> list[Any]:
        if isinstance(chunk, ChatGeneration):
            chunk = chunk.message
        if not isinstance(chunk, BaseMessage):
            what = "text" if isinstance(chunk, str | Generation) else f"a {type(chunk).__name__}"
            raise OutputParserException(
                _NOT_CHAT.format(name=type(self._parser).__name__, what=what)
            )
        if not self._calls.feed(chunk) and self._last is not _NEVER:
            return []
        return self._show(final=False)

    def close(self) -> list[Any]:
        changed = self._calls.close()
        if not changed and isinstance(self._parser, PydanticToolsParser):
            changed = True  # the final values must validate strictly
        return self._show(final=True) if changed else []

    def _show(self, *, final: bool) -> list[Any]:
        key, value = self._parser._select(self._calls.valid, final=final)
        if value is None or (self._last is not _NEVER and key == self._last):
            return []
        self._last = key
        return [value]


def _key(calls: Sequence[StreamedToolCall]) -> tuple[tuple[StreamedToolCall, int], ...]:
    return tuple((call, call.version) for call in calls)


def _models_by_name(tools: list[type[BaseModel]]) -> dict[str, type[BaseModel]]:
    return {tool.model_config.get("title") or tool.__name__: tool for tool in tools}


def _validated(
    call: StreamedToolCall, models: dict[str, type[BaseModel]], *, final: bool
) -> BaseModel | None:
    """The call's arguments validated by its tool's model (cached per call version).

    Raises:
        OutputParserException: if the tool is unknown, or (when `final`) the arguments do
            not validate.
    """
    model = models.get(call.name)
    if model is None:
        if not call.name and not final:
            return None  # the name has not streamed yet
        known = ", ".join(map(repr, models)) or "none"
        raise OutputParserException(f"Unknown tool {call.name!r}; the tools are: {known}.")
    cached = call.cache
    if cached is not None and cached[0] == call.version and (cached[1] is not None or not final):
        return cached[1]  # type: ignore[no-any-return]
    try:
        instance = model.model_validate(call.args)
    except ValidationError as exc:
        if final:
            text = json.dumps(call.args, ensure_ascii=False)
            raise OutputParserException(
                f"The arguments of the call to {call.name!r} do not fit {model.__name__}: {exc}",
                llm_output=text,
            ) from exc
        instance = None
    call.cache = (call.version, instance)
    return instance
