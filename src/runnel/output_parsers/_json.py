"""JsonOutputParser: partial JSON values while the model writes, in linear time."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from runnel._core.json_stream import JsonStream, JsonStreamError
from runnel.exceptions import OutputParserException
from runnel.output_parsers._base import text_of
from runnel.output_parsers._transform import BaseCumulativeTransformOutputParser, ParserStream
from runnel.outputs import Generation

__all__ = ["JsonOutputParser", "SimpleJsonOutputParser", "json_format_instructions"]

_PREVIEW = 200
_MISSING: Any = object()

_SCHEMA_INSTRUCTIONS = """\
Answer with one JSON value that follows the JSON schema below, and nothing else: no text \
before or after it, no Markdown code fence around it, no comments or trailing commas.

Follow the schema, do not copy it. For the schema {{"properties": {{"tags": {{"type": \
"array", "items": {{"type": "string"}}}}}}, "required": ["tags"]}}, the value \
{{"tags": ["red", "round"]}} is right; {{"properties": {{"tags": ["red", "round"]}}}} is wrong.

The schema (in a code block here only to set it apart):
```
{schema}
```"""


def json_format_instructions(schema: dict[str, Any]) -> str:
    """Instructions asking a model for a JSON value that follows `schema`.

    The schema's top-level `title` and `type` are left out (they only add noise).
    """
    reduced = {key: value for key, value in schema.items() if key not in ("title", "type")}
    return _SCHEMA_INSTRUCTIONS.format(schema=json.dumps(reduced, ensure_ascii=False))


class JsonOutputParser(BaseCumulativeTransformOutputParser[Any]):
    """Parse a model's JSON output, streaming the partial value each time it changes.

    While streaming, the value so far is completed (open strings and containers closed): a
    document streamed as ``{"a": [1, 2]}`` yields ``{}``, ``{"a": []}``, ``{"a": [1]}``,
    ``{"a": [1, 2]}``. A Markdown fence (```` ```json ````) and text before it are accepted. The
    text is parsed incrementally, each character once, whatever the chunking.

    Attributes:
        pydantic_object: A model whose JSON schema `get_format_instructions` shows; the output
            is not validated against it (use `PydanticOutputParser` for that).
        diff: Stream lists of JSON-patch operations (RFC 6902) turning the previous value into
            the new one; the first is ``[{"op": "replace", "path": "", "value": ...}]``.
    """

    pydantic_object: type[BaseModel] | None = None

    def parse(self, text: str) -> Any:
        """Parse a complete JSON document (fenced or not).

        A document cut short is completed, as while streaming.

        Raises:
            OutputParserException: if `text` holds no JSON value or invalid JSON; its
                `llm_output` is the text.
        """
        stream = _JsonTextStream(diff=False)
        stream.feed(text)
        stream.close()
        return stream.value

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """Parse the first generation's text; with `partial`, None instead of raising."""
        if not partial:
            return self.parse(result[0].text)
        try:
            return self.parse(result[0].text)
        except OutputParserException:
            return None

    def get_format_instructions(self) -> str:
        """Ask for a JSON object, following `pydantic_object`'s schema when there is one."""
        if self.pydantic_object is None:
            return "Return a JSON object."
        return json_format_instructions(self.pydantic_object.model_json_schema())

    def _diff(self, prev: Any | None, next: Any) -> Any:
        """A patch replacing the whole document (used only by subclasses' own parsers)."""
        return [{"op": "replace", "path": "", "value": next}]

    def _parser_stream(self) -> ParserStream[Any]:
        cls = type(self)
        if cls.parse is not JsonOutputParser.parse or (
            cls.parse_result is not JsonOutputParser.parse_result
        ):
            return super()._parser_stream()  # a subclass's own parsing: re-parse per chunk
        return _JsonTextStream(diff=self.diff)

    @property
    def _type(self) -> str:
        return "simple_json_output_parser"


SimpleJsonOutputParser = JsonOutputParser


class _JsonTextStream:
    """Feed the text of each chunk to one `JsonStream`; map its errors to parser errors.

    `value` is the last value parsed (not in diff mode).
    """

    __slots__ = ("_json", "_texts", "value")

    def __init__(self, *, diff: bool) -> None:
        self._json = JsonStream(diff=diff)
        self._texts: list[str] = []  # kept for the error's `llm_output`
        self.value: Any = _MISSING

    def feed(self, chunk: Any) -> list[Any]:
        text = chunk if type(chunk) is str else text_of(chunk)
        self._texts.append(text)
        try:
            values = self._json.feed(text)
        except JsonStreamError as exc:
            raise self._error(exc) from exc
        if values:
            self.value = values[-1]
        return values

    def close(self) -> list[Any]:
        try:
            values = self._json.close()
        except JsonStreamError as exc:
            raise self._error(exc) from exc
        if values:
            self.value = values[-1]
        return values

    def _error(self, exc: JsonStreamError) -> OutputParserException:
        text = "".join(self._texts)
        preview = text if len(text) <= _PREVIEW else text[:_PREVIEW] + "..."
        return OutputParserException(
            f"Invalid JSON output: {exc}. The output was: {preview!r}", llm_output=text
        )
