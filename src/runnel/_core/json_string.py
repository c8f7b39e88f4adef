"""JSON string bodies that arrive in chunks: escapes and surrogate pairs cut anywhere."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["StringDecoder", "StringEscapeError"]

_RUN: Final = re.compile(r'[^"\\]*')
_HEX4: Final = re.compile(r"[0-9a-fA-F]{4}")
_ESCAPES: Final = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}


class StringEscapeError(ValueError):
    """An invalid escape sequence.

    Attributes:
        offset: Where the escape starts in the chunk (0 if it started in an earlier chunk).
        sequence: The escape as read.
    """

    def __init__(self, offset: int, sequence: str) -> None:
        super().__init__(f"invalid escape {sequence!r}")
        self.offset = offset
        self.sequence = sequence


class StringDecoder:
    """Decode the body of one JSON string at a time, fed chunk by chunk.

    Decoded text is kept as a list of pieces. An escape cut by the end of a chunk is held until
    it is whole, and a `\\uD8xx` high surrogate until we know whether a low surrogate follows
    (pairs are joined, lone surrogates kept, as `json.loads` does), so `value()` only ever grows.
    Raw control characters are accepted (`json.loads(strict=False)`).
    """

    __slots__ = ("_escape", "_high", "length", "pieces", "scanned")

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.length = 0
        """Characters decoded so far in the current string."""
        self._escape = ""  # start of an escape cut by the end of a chunk
        self._high = ""  # high surrogate waiting for its low half
        self.scanned = 0
        """Characters examined over the decoder's life (a debug counter)."""

    def reset(self) -> None:
        """Start a new string."""
        self.pieces = []
        self.length = 0
        self._escape = self._high = ""

    def feed(self, text: str, pos: int) -> int:
        """Decode `text` from `pos` and return the index after the closing quote, or -1.

        Raises:
            StringEscapeError: if an escape sequence is invalid.
        """
        end = len(text)
        if self._escape:
            pos = self._read_escape(text, pos)
        pieces = self.pieces
        while pos < end:
            match = _RUN.match(text, pos)
            stop = match.end() if match is not None else pos
            self.scanned += stop - pos + 1
            if stop > pos:
                if self._high:
                    self._add_high()
                pieces.append(text[pos:stop])
                self.length += stop - pos
            if stop == end:
                return -1
            if text[stop] == '"':
                if self._high:
                    self._add_high()
                return stop + 1
            pos = self._read_escape(text, stop)
        return -1

    def value(self) -> str:
        """Return the text decoded so far (without an escape or surrogate still incomplete)."""
        pieces = self.pieces
        if len(pieces) == 1:
            return pieces[0]
        value = "".join(pieces)
        self.pieces = [value]
        return value

    def _read_escape(self, text: str, pos: int) -> int:
        """Decode the escape starting at `pos` (or continued there); return the next index."""
        carried = self._escape
        head = carried + text[pos : pos + 6 - len(carried)]
        self.scanned += len(head) - len(carried)
        size = 6 if head[1:2] == "u" else 2
        if len(head) < size:
            self._escape = head
            return len(text)
        self._escape = ""
        next_pos = pos + size - len(carried)
        if size == 2:
            char = _ESCAPES.get(head[1])
            if char is None:
                raise StringEscapeError(max(pos - len(carried), 0), head)
            if self._high:
                self._add_high()
            self.pieces.append(char)
            self.length += 1
            return next_pos
        if not _HEX4.fullmatch(head, 2):
            raise StringEscapeError(max(pos - len(carried), 0), head)
        self._add_code_unit(int(head[2:], 16))
        return next_pos

    def _add_code_unit(self, unit: int) -> None:
        if 0xDC00 <= unit < 0xE000 and self._high:
            pair = 0x10000 + ((ord(self._high) - 0xD800) << 10) + (unit - 0xDC00)
            self._high = ""
            self.pieces.append(chr(pair))
            self.length += 1
            return
        if self._high:
            self._add_high()
        if 0xD800 <= unit < 0xDC00:
            self._high = chr(unit)
        else:
            self.pieces.append(chr(unit))
            self.length += 1

    def _add_high(self) -> None:
        self.pieces.append(self._high)
        self.length += 1
        self._high = ""
