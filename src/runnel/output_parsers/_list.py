"""List parsers: comma-separated, Markdown and numbered lists, streamed item by item.

Each streams a one-item list (``["item"]``) per item, in order, so that the chunks add up to
the whole list. As in LangChain, an item is yielded once it is certainly complete: a
comma-separated item when its comma arrives, a Markdown or numbered item when the next item
starts (or the output ends). Every character is examined once.
"""

from __future__ import annotations

import re
from typing import Any, Final

from runnel.output_parsers._base import text_of
from runnel.output_parsers._transform import BaseTransformOutputParser, ParserStream

__all__ = [
    "CommaSeparatedListOutputParser",
    "ListOutputParser",
    "MarkdownListOutputParser",
    "NumberedListOutputParser",
]


class ListOutputParser(BaseTransformOutputParser[list[str]]):
    """Base of the list parsers: `parse` returns the items, streaming yields ``[item]``.

    A subclass implements `_parser_stream` (an incremental core); one that only implements
    `parse` streams by re-splitting what is not yet yielded with it, as LangChain does.
    """

    def parse(self, text: str) -> list[str]:
        """Split `text` into its items."""
        stream = self._parser_stream()
        parts = stream.feed(text) + stream.close()
        return [part[0] for part in parts]

    def _parser_stream(self) -> ParserStream[list[str]]:
        if type(self).parse is ListOutputParser.parse:
            raise NotImplementedError(f"{type(self).__name__} implements neither parse nor a core")
        return _Resplit(self)

    @property
    def _type(self) -> str:
        return "list"


class CommaSeparatedListOutputParser(ListOutputParser):
    """Parse comma-separated values, CSV style: ``a, "b, c", d`` gives ``a``, ``b, c``, ``d``.

    Spaces after a comma are skipped, double quotes group (``""`` is a quote inside them), a
    line break also separates items and blank lines are ignored.
    """

    def get_format_instructions(self) -> str:
        """Ask for comma-separated values."""
        return "Answer with a list of values separated by commas, for example: `red, green, blue`."

    def _parser_stream(self) -> ParserStream[list[str]]:
        return _CommaStream()

    @property
    def _type(self) -> str:
        return "comma-separated-list"


class MarkdownListOutputParser(ListOutputParser):
    """Parse a Markdown bullet list: lines ``- item`` or ``* item`` (other lines are ignored)."""

    def get_format_instructions(self) -> str:
        """Ask for a Markdown list."""
        return "Answer with a Markdown bullet list, one item per line, for example:\n- red\n- green"

    def _parser_stream(self) -> ParserStream[list[str]]:
        return _LineItems(markdown=True)

    @property
    def _type(self) -> str:
        return "markdown-list"


class NumberedListOutputParser(ListOutputParser):
    """Parse a numbered list: the text after ``1. ``, ``2. ``... up to the end of the line."""

    def get_format_instructions(self) -> str:
        """Ask for a numbered list."""
        return "Answer with a numbered list, one item per line, for example:\n1. red\n2. green"

    def _parser_stream(self) -> ParserStream[list[str]]:
        return _LineItems(markdown=False)

    @property
    def _type(self) -> str:
        return "numbered-list"


# -- comma-separated values ---------------------------------------------------------------------

_START: Final = 0  # at the start of a field (spaces skipped, a quote opens a quoted field)
_PLAIN: Final = 1  # in an unquoted field
_QUOTED: Final = 2  # in a quoted field
_QUOTE: Final = 3  # just after a quote in a quoted field: closing, or the first of ""
_PLAIN_RUN: Final = re.compile(r"[^,\r\n]*")
_QUOTED_RUN: Final = re.compile(r'[^"]*')


class _CommaStream:
    """Split CSV fields incrementally, as `csv.reader(skipinitialspace=True)` reads them.

    A field ended by a comma is yielded at once; a field ended by a line break waits until the
    next non-blank line starts (a blank line is not a row: nothing more to yield).
    """

    __slots__ = ("_field", "_pending", "_row", "_started", "_state")

    def __init__(self) -> None:
        self._state = _START
        self._field: list[str] = []
        self._row = False  # the current line has characters
        self._started = False  # characters since the last separator
        self._pending: str | None = None  # the field that ended the previous line

    def feed(self, chunk: Any) -> list[list[str]]:
        text = chunk if type(chunk) is str else text_of(chunk)
        out: list[list[str]] = []
        pos, end = 0, len(text)
        while pos < end:
            char = text[pos]
            state = self._state
            if char in "\r\n" and state != _QUOTED:
                self._end_line()
                pos += 1
                continue
            if not self._row:
                self._row = True
                if self._pending is not None:
                    out.append([self._pending])
                    self._pending = None
            self._started = True
            if state == _QUOTED:
                match = _QUOTED_RUN.match(text, pos)
                stop = match.end() if match else pos
                self._field.append(text[pos:stop])
                if stop < end:  # a quote
                    self._state = _QUOTE
                    stop += 1
                pos = stop
            elif char == ",":
                out.append([self._take()])
                self._started = False
                pos += 1
            elif state == _START and char == " ":
                pos += 1
            elif state == _START and char == '"':
                self._state = _QUOTED
                pos += 1
            elif state == _QUOTE and char == '"':
                self._field.append('"')
                self._state = _QUOTED
                pos += 1
            else:
                match = _PLAIN_RUN.match(text, pos)
                stop = match.end() if match else pos
                self._field.append(text[pos:stop])
                self._state = _PLAIN
                pos = stop
        return out

    def close(self) -> list[list[str]]:
        out = [] if self._pending is None else [[self._pending]]
        self._pending = None
        if self._started:
            out.append([self._take()])
            self._started = False
        return out

    def _take(self) -> str:
        value = "".join(self._field)
        self._field = []
        self._state = _START
        return value

    def _end_line(self) -> None:
        if self._row:
            self._pending = self._take()
        self._row = self._started = False


# -- Markdown and numbered lists -----------------------------------------------------------------

_UNKNOWN: Final = 0  # not yet known whether the line being read starts an item
_ITEM: Final = 1  # it does (the item before it was yielded)
_NOT: Final = 2  # it cannot

_MD_ITEM: Final = re.compile(r"\s*[-*]\s(.+)")
_MD_MARKER: Final = re.compile(r"\s*[-*]")
_MD_START: Final = re.compile(r"\s*[-*]\s.")
_MD_MAYBE: Final = re.compile(r"\s*(?:[-*]\s?)?")
_NUM_ITEM: Final = re.compile(r"\d+\.\s(.+)")
_NUM_MARKER: Final = re.compile(r"\d+\.$")
_NUM_TAIL: Final = re.compile(r"\d+(?:\.\s?)?$")


class _LineItems:
    """Find list items line by line; an item is yielded when the next one starts.

    Matches what LangChain's patterns find (``^\\s*[-*]\\s([^\\n]+)$`` per line, and
    ``\\d+\\.\\s([^\\n]+)``), including a marker alone at the end of a line followed by the
    item on the next line.
    """

    __slots__ = ("_line", "_line_state", "_markdown", "_marker", "_pending", "_tail")

    def __init__(self, *, markdown: bool) -> None:
        self._markdown = markdown
        self._line: list[str] = []  # pieces of the line being read
        self._line_state = _UNKNOWN
        self._tail = ""  # numbered: end of the line read so far that may begin an item
        self._marker = False  # the last complete line ended with a bare marker
        self._pending: str | None = None  # the last item found, not yet yielded

    def feed(self, chunk: Any) -> list[list[str]]:
        text = chunk if type(chunk) is str else text_of(chunk)
        out: list[list[str]] = []
        *complete, rest = text.split("\n")
        for piece in complete:
            self._line.append(piece)
            self._end_line(out)
        if rest:
            self._line.append(rest)
            if self._line_state == _UNKNOWN:
                self._check_start(rest, out)
        return out

    def close(self) -> list[list[str]]:
        out: list[list[str]] = []
        if self._line:
            self._end_line(out)
        if self._pending is not None:
            out.append([self._pending])
            self._pending = None
        return out

    def _check_start(self, piece: str, out: list[list[str]]) -> None:
        """Decide, if possible, whether the partial line starts an item."""
        if self._marker:
            started = True
        elif self._markdown:
            head = "".join(self._line)
            started = _MD_START.match(head) is not None
            if not started and not _MD_MAYBE.fullmatch(head):
                self._line_state = _NOT
                return
        else:
            text = self._tail + piece
            started = _NUM_ITEM.search(text) is not None
            if not started:
                tail = _NUM_TAIL.search(text)
                self._tail = tail.group() if tail else ""
        if started:
            self._line_state = _ITEM
            self._flush(out)

    def _end_line(self, out: list[list[str]]) -> None:
        line = "".join(self._line)
        self._line = []
        item = self._item(line)
        if item is not None:
            if self._line_state != _ITEM:
                self._flush(out)
            self._pending = item
        self._line_state = _UNKNOWN
        self._tail = ""

    def _item(self, line: str) -> str | None:
        if self._marker:
            self._marker = False
            return line or None
        if self._markdown:
            match = _MD_ITEM.fullmatch(line)
            if match is None:
                self._marker = _MD_MARKER.fullmatch(line) is not None
                return None
        else:
            match = _NUM_ITEM.search(line)
            if match is None:
                self._marker = _NUM_MARKER.search(line) is not None
                return None
        return match.group(1)

    def _flush(self, out: list[list[str]]) -> None:
        if self._pending is not None:
            out.append([self._pending])
            self._pending = None


class _Resplit:
    """LangChain's streaming for list parsers that only define `parse`.

    What is not yet yielded is re-split on each chunk; all parts but the last are yielded.
    """

    __slots__ = ("_buffer", "_parser")

    def __init__(self, parser: ListOutputParser) -> None:
        self._parser = parser
        self._buffer = ""

    def feed(self, chunk: Any) -> list[list[str]]:
        self._buffer += text_of(chunk)
        parts = self._parser.parse(self._buffer)
        if len(parts) < 2:
            return []
        self._buffer = parts[-1]
        return [[part] for part in parts[:-1]]

    def close(self) -> list[list[str]]:
        return [[part] for part in self._parser.parse(self._buffer)]
