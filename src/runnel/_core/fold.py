"""Folding stream chunks into one value with `+`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["AddableDict", "Accumulator", "RunningSum", "add_chunks"]


class AddableDict(dict[str, Any]):
    """A dict whose `+` merges per key with `+` (a missing or None left value is replaced)."""

    def __add__(self, other: dict[str, Any]) -> AddableDict:
        out = AddableDict(self)
        for key, value in other.items():
            left = out.get(key)
            if left is None:
                out[key] = value
            elif value is not None:
                try:
                    out[key] = left + value
                except TypeError:
                    out[key] = value
        return out

    def __radd__(self, other: dict[str, Any]) -> AddableDict:
        return AddableDict(other) + self


_COMPACT_EVERY = 64
# Per class: the plain-text test of message chunk classes (their `_plain_test`), else None.
_PLAIN_TESTS: dict[type[Any], Any] = {}
_UNKNOWN: Any = object()


class Accumulator:
    """Collects chunks and folds them once, at the end (linear, not a quadratic fold).

    Runs of plain text message chunks (see `_plain_test` on message chunks) are kept as
    their strings only, and other message chunks are merged every `_COMPACT_EVERY`, so
    a long stream keeps few objects alive (they weigh on the garbage collector).
    """

    __slots__ = ("_chunks", "_merged", "_template", "_texts")

    def __init__(self) -> None:
        self._chunks: list[Any] = []
        self._merged = 0  # chunks before this index are already compacted
        self._template: Any = None  # the first chunk of the pending run of plain text
        self._texts: list[str] = []

    def add(self, chunk: Any) -> None:
        """Remember one chunk; a chunk that cannot be added to replaces the earlier ones."""
        cls = type(chunk)
        if cls is str and self._template is None:
            self._chunks.append(chunk)  # strings are joined at the end; nothing to compact
            return
        if cls is dict:  # partial objects (JSON parsers) replace each other
            self._chunks = [chunk]
            self._merged = 0
            self._template = None
            return
        plain = _PLAIN_TESTS.get(cls, _UNKNOWN)
        if plain is _UNKNOWN:
            test = getattr(cls, "_plain_test", None)
            plain = _PLAIN_TESTS[cls] = test() if test is not None else None
        if plain is not None:
            fields = chunk.__dict__
            if plain(fields):
                template = self._template
                if template is None:
                    self._template, self._texts = chunk, [fields["content"]]
                    return
                if cls is type(template) and fields["id"] == template.id:
                    self._texts.append(fields["content"])
                    return
        self._flush()
        chunks = self._chunks
        chunks.append(chunk)
        if len(chunks) - self._merged >= _COMPACT_EVERY:
            tail = chunks[self._merged :]
            first = type(tail[0])
            merge = getattr(first, "_merge_many", None)
            if merge is not None and all(type(c) is first for c in tail):
                del chunks[self._merged :]
                chunks.append(merge(tail))
            self._merged = len(chunks)

    def _flush(self) -> None:
        template = self._template
        if template is None:
            return
        self._template = None
        if len(self._texts) == 1:
            self._chunks.append(template)
        else:
            self._chunks.append(type(template)("".join(self._texts), id=template.id))

    @property
    def empty(self) -> bool:
        """True until the first chunk."""
        return not self._chunks and self._template is None

    def value(self) -> Any:
        """The fold of every chunk so far (None if there was none)."""
        self._flush()
        return add_chunks(self._chunks)


class RunningSum:
    """The fold of the chunks so far, kept up to date chunk by chunk."""

    __slots__ = ("empty", "value")

    def __init__(self) -> None:
        self.value: Any = None
        self.empty = True

    def add(self, chunk: Any) -> Any:
        """Add one chunk (or replace the sum, where `+` is unsupported); return the sum."""
        if self.empty:
            self.value, self.empty = chunk, False
        else:
            try:
                self.value = self.value + chunk
            except TypeError:
                self.value = chunk
        return self.value


def add_chunks(chunks: Iterable[Any]) -> Any:
    """Fold chunks with `+`, keeping only the latest chunk where `+` is unsupported.

    Strings are joined once; classes with a `_merge_many` classmethod (message chunks)
    merge in one pass. Returns None for no chunks.
    """
    items = chunks if isinstance(chunks, list) else list(chunks)
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    first = items[0]
    cls = type(first)
    if all(type(c) is cls for c in items):
        if cls is str:
            return "".join(items)
        merge = getattr(cls, "_merge_many", None)
        if merge is not None:
            return merge(items)
    acc = first
    for chunk in items[1:]:
        try:
            acc = acc + chunk
        except TypeError:
            acc = chunk
    return acc
