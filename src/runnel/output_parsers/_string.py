"""StrOutputParser: the text of a model's output, chunk by chunk."""

from __future__ import annotations

from typing import Any

from runnel.output_parsers._base import text_of
from runnel.output_parsers._transform import BaseTransformOutputParser, ParserStream

__all__ = ["StrOutputParser"]


class StrOutputParser(BaseTransformOutputParser[str]):
    """Return the text of the model's output: one string per input chunk (empty ones too).

    A message's text is its string content, or its text blocks joined.
    """

    def parse(self, text: str) -> str:
        """Return `text` unchanged."""
        return text

    def _parser_stream(self) -> ParserStream[str]:
        return _TextStream()

    @property
    def _type(self) -> str:
        return "default"


class _TextStream:
    __slots__ = ()

    def feed(self, chunk: Any) -> list[str]:
        return [chunk if type(chunk) is str else text_of(chunk)]

    def close(self) -> list[str]:
        return []
