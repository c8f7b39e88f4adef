"""Parsers that stream: one non-blocking core per run, fed chunk by chunk.

Each streaming parser builds a `ParserStream` (`_parser_stream()`), an object that never blocks:
`feed(chunk)` returns the values that chunk completes and `close()` those the end of the input
completes. `_transform` and `_atransform` are the two thin loops around it, so the sync and async
paths cannot drift apart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol, TypeVar

from runnel._core.fold import add_chunks
from runnel.messages import BaseMessage, BaseMessageChunk
from runnel.output_parsers._base import BaseOutputParser, text_of, to_generation
from runnel.runnables._config import RunnableConfig
from runnel.runnables._utils import aclosing, close

__all__ = [
    "BaseCumulativeTransformOutputParser",
    "BaseTransformOutputParser",
    "ParserStream",
]

T = TypeVar("T")
_NOTHING: Any = object()


class ParserStream(Protocol[T]):
    """A parser's state for one stream: fed input chunks, returns the values they complete."""

    def feed(self, chunk: Any) -> list[T]:
        """Read one input chunk; return the values it completes (often none or one)."""
        ...

    def close(self) -> list[T]:
        """End the input; return the values its end completes.

        Raises:
            OutputParserException: if the whole output cannot be parsed.
        """
        ...


class BaseTransformOutputParser(BaseOutputParser[T]):
    """A parser that streams: by default each input chunk is parsed on its own.

    Subclasses with state across chunks override `_parser_stream`.
    """

    def _parser_stream(self) -> ParserStream[T]:
        """A fresh core for one stream of input chunks."""
        return _EachChunk(self)

    def _transform(
        self, chunks: Iterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> Iterator[T]:
        stream = self._parser_stream()
        try:
            for chunk in chunks:
                yield from stream.feed(chunk)
            yield from stream.close()
        finally:
            close(chunks)

    async def _atransform(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[T]:
        stream = self._parser_stream()
        async with aclosing(chunks):  # type: ignore[type-var]
            async for chunk in chunks:
                for value in stream.feed(chunk):
                    yield value
            for value in stream.close():
                yield value


class BaseCumulativeTransformOutputParser(BaseTransformOutputParser[T]):
    """A parser that streams what the output so far parses to, each time it changes.

    By default the input so far is added up and re-parsed with `parse_result(partial=True)`
    on each chunk (LangChain's contract for subclasses); the built-in parsers instead keep
    incremental state and never look at a character twice.

    Attributes:
        diff: Stream the change from the previously streamed value (`_diff`) instead of
            the value itself.
    """

    diff: bool = False

    def _diff(self, prev: T | None, next: T) -> Any:
        """The change from `prev` to `next`, streamed when `diff` is set."""
        raise NotImplementedError(f"{type(self).__name__} cannot stream diffs")

    def _parser_stream(self) -> ParserStream[T]:
        return _Reparse(self)


class _EachChunk:
    """Parse every input chunk on its own."""

    __slots__ = ("_direct", "_parser")

    def __init__(self, parser: BaseOutputParser[Any]) -> None:
        self._parser = parser
        # A parser that only defines `parse` needs no generation objects.
        self._direct = type(parser).parse_result is BaseOutputParser.parse_result

    def feed(self, chunk: Any) -> list[Any]:
        if self._direct:
            return [self._parser.parse(text_of(chunk))]
        return [self._parser.parse_result([to_generation(chunk)])]

    def close(self) -> list[Any]:
        return []


class _Reparse:
    """Add up the input and re-parse all of it on each chunk (for subclasses' own parsers)."""

    __slots__ = ("_chunks", "_parser", "_prev")

    def __init__(self, parser: BaseCumulativeTransformOutputParser[Any]) -> None:
        self._parser = parser
        self._chunks: list[Any] = []
        self._prev: Any = None

    def feed(self, chunk: Any) -> list[Any]:
        if isinstance(chunk, BaseMessage) and not isinstance(chunk, BaseMessageChunk):
            chunk = chunk.text  # a complete message in a stream of chunks: its text
        self._chunks.append(chunk)
        whole = add_chunks(self._chunks)
        self._chunks = [whole]
        parser = self._parser
        parsed = parser.parse_result([to_generation(whole)], partial=True)
        if parsed is None or parsed == self._prev:
            return []
        out = parser._diff(self._prev, parsed) if parser.diff else parsed
        self._prev = parsed
        return [out]

    def close(self) -> list[Any]:
        return []
