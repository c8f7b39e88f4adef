"""PydanticOutputParser: JSON output validated by a pydantic model."""

from __future__ import annotations

import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError, model_validator

from runnel.exceptions import OutputParserException
from runnel.output_parsers._json import JsonOutputParser, _JsonTextStream, json_format_instructions
from runnel.output_parsers._transform import ParserStream
from runnel.outputs import Generation

__all__ = ["PydanticOutputParser"]

M = TypeVar("M", bound=BaseModel)
_MISSING: Any = object()


class PydanticOutputParser(JsonOutputParser, Generic[M]):
    """Parse JSON output into an instance of `pydantic_object`.

    While streaming, each partial value that already validates (fields still missing have
    defaults) is yielded when it differs from the last one yielded; partial values that do
    not validate yet are skipped. At the end of the stream the complete value must validate.

    Attributes:
        pydantic_object: The model to validate the output with.
    """

    pydantic_object: type[M]

    @model_validator(mode="after")
    def _no_diff(self) -> PydanticOutputParser[M]:
        if self.diff:
            raise ValueError("PydanticOutputParser streams model instances: diff is not supported")
        return self

    def validate_value(self, value: Any) -> M:
        """Validate a parsed JSON value with `pydantic_object`.

        Raises:
            OutputParserException: if it does not validate; `llm_output` is the value as JSON.
        """
        try:
            return self.pydantic_object.model_validate(value)
        except ValidationError as exc:
            text = json.dumps(value, ensure_ascii=False)
            name = self.pydantic_object.__name__
            raise OutputParserException(
                f"Failed to parse {name} from completion {text}. Got: {exc}", llm_output=text
            ) from exc

    def parse(self, text: str) -> M:
        """Parse JSON text and validate it.

        Raises:
            OutputParserException: if the text is not JSON or does not validate.
        """
        return self.validate_value(super().parse(text))

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """Parse and validate the first generation's text; with `partial`, None on failure."""
        try:
            return self.parse(result[0].text)
        except OutputParserException:
            if partial:
                return None
            raise

    def get_format_instructions(self) -> str:
        """Ask for JSON following the model's schema."""
        return json_format_instructions(self.pydantic_object.model_json_schema())

    def _parser_stream(self) -> ParserStream[M]:
        return _ModelStream(self)

    @property
    def OutputType(self) -> Any:
        """The model class."""
        return self.pydantic_object

    @property
    def _type(self) -> str:
        return "pydantic"


class _ModelStream(Generic[M]):
    """Validate each new partial JSON value; the final one strictly."""

    __slots__ = ("_json", "_last", "_parser")

    def __init__(self, parser: PydanticOutputParser[M]) -> None:
        self._parser = parser
        self._json = _JsonTextStream(diff=False)
        self._last: Any = _MISSING

    def feed(self, chunk: Any) -> list[M]:
        if not self._json.feed(chunk):
            return []
        try:
            instance = self._parser.pydantic_object.model_validate(self._json.value)
        except ValidationError:
            return []
        return self._show(instance)

    def close(self) -> list[M]:
        self._json.close()
        return self._show(self._parser.validate_value(self._json.value))

    def _show(self, instance: M) -> list[M]:
        if self._last is not _MISSING and instance == self._last:
            return []
        self._last = instance
        return [instance]
