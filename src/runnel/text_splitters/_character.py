"""Character splitters: on one separator, or recursively on a list of them."""

from __future__ import annotations

import itertools
import re
from typing import Any

from runnel.text_splitters._base import KeepSeparator, Piece, TextSplitter

__all__ = ["CharacterTextSplitter", "RecursiveCharacterTextSplitter"]


class _SeparatorSplitter(TextSplitter):
    """Cuts text into pieces at a separator (literal or regex), keeping their offsets."""

    def __init__(self, is_separator_regex: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._is_separator_regex = is_separator_regex

    def _pattern(self, separator: str) -> str:
        return separator if self._is_separator_regex else re.escape(separator)

    def _pieces(self, text: str, base: int, separator: str) -> list[Piece]:
        """The non-empty pieces of `text` (at offset `base`) between the separator's matches.

        With `keep_separator`, each match stays at the start of the following piece
        (True, "start") or the end of the previous one ("end") and pieces join with
        nothing; without it, pieces join with the separator (a literal one) or with the
        text that was between them (a regex).
        """
        measure = self._length_function
        if not separator:
            return [Piece(char, base + i, measure(char), "", 0) for i, char in enumerate(text)]
        matches = [(m.start(), m.end()) for m in re.finditer(self._pattern(separator), text)]
        keep = self._keep_separator
        if keep:
            edge = 1 if keep == "end" else 0
            cuts = [0, *(match[edge] for match in matches), len(text)]
            spans = list(itertools.pairwise(cuts))
        else:
            ends = [0, *(end for _, end in matches)]
            starts = [*(start for start, _ in matches), len(text)]
            spans = list(zip(ends, starts, strict=True))
        literal_gap = "" if keep or self._is_separator_regex else separator
        literal_gap_length = measure(literal_gap) if literal_gap else 0
        pieces: list[Piece] = []
        for start, end in spans:
            if start == end:
                continue
            if keep or not self._is_separator_regex or not pieces:
                gap, gap_length = literal_gap, literal_gap_length
            else:
                previous = pieces[-1]
                gap = text[previous.start - base + len(previous.text) : start]
                gap_length = measure(gap)
            chunk = text[start:end]
            pieces.append(Piece(chunk, base + start, measure(chunk), gap, gap_length))
        return pieces


class CharacterTextSplitter(_SeparatorSplitter):
    """Splits on one separator ("\\n\\n" by default), then merges pieces into chunks.

    A piece longer than `chunk_size` becomes a chunk of its own (a warning is logged).
    """

    def __init__(
        self, separator: str = "\n\n", is_separator_regex: bool = False, **kwargs: Any
    ) -> None:
        """Configure the splitter.

        Args:
            separator: Where to split: a string, or a regular expression if
                `is_separator_regex`.
            is_separator_regex: Whether `separator` is a regular expression.
            **kwargs: `TextSplitter` arguments (`chunk_size`, `chunk_overlap`, ...).
        """
        super().__init__(is_separator_regex, **kwargs)
        self._separator = separator

    def _split_with_starts(self, text: str) -> list[tuple[str, int]]:
        return self._merge(self._pieces(text, 0, self._separator))


class RecursiveCharacterTextSplitter(_SeparatorSplitter):
    """Splits on the first separator found in the text, re-splitting too-long pieces.

    With the default separators `["\\n\\n", "\\n", " ", ""]` it keeps paragraphs whole
    when they fit, else lines, else words, else cuts between characters. Separators are
    kept at the start of the following piece by default (`keep_separator=True`). A piece
    still too long after the last separator becomes a chunk of its own (stripped, unlike
    LangChain, when `strip_whitespace` is set).
    """

    def __init__(
        self,
        separators: list[str] | None = None,
        keep_separator: KeepSeparator = True,
        is_separator_regex: bool = False,
        **kwargs: Any,
    ) -> None:
        """Configure the splitter.

        Args:
            separators: Where to split, coarsest first (default paragraph, line, word,
                character).
            keep_separator: Keep separators in the chunks (see `TextSplitter`).
            is_separator_regex: Whether the separators are regular expressions.
            **kwargs: `TextSplitter` arguments (`chunk_size`, `chunk_overlap`, ...).
        """
        super().__init__(is_separator_regex, keep_separator=keep_separator, **kwargs)
        self._separators = separators or ["\n\n", "\n", " ", ""]

    def _split_with_starts(self, text: str) -> list[tuple[str, int]]:
        return self._split(text, 0, self._separators)

    def _split(self, text: str, base: int, separators: list[str]) -> list[tuple[str, int]]:
        separator, finer = separators[-1], []
        for i, candidate in enumerate(separators):
            if not candidate:
                separator = candidate
                break
            if re.search(self._pattern(candidate), text):
                separator, finer = candidate, separators[i + 1 :]
                break
        chunks: list[tuple[str, int]] = []
        fitting: list[Piece] = []
        for piece in self._pieces(text, base, separator):
            if piece.length < self._chunk_size:
                fitting.append(piece)
                continue
            if fitting:
                chunks.extend(self._merge(fitting))
                fitting = []
            if finer:
                chunks.extend(self._split(piece.text, piece.start, finer))
            else:
                self._emit([piece], chunks)  # too long, and nothing left to split it with
        if fitting:
            chunks.extend(self._merge(fitting))
        return chunks
