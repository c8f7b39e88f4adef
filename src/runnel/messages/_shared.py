"""Frozen containers that messages built on the fast path share.

A streamed token is an `AIMessageChunk` (and, from the provider, a `ChatGenerationChunk`).
Each would own three empty lists and a set of the field names given to it; sharing frozen
ones instead leaves two objects per token for the garbage collector to track, which
counts when many streams run at once. Shared containers read like ordinary ones, copy and
unpickle as ordinary ones, and raise `TypeError` when changed in place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn

__all__ = ["EMPTY", "SharedEmptyList", "SharedFieldsSet", "fields_set"]


def _refuse(self: Any, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(self._refusal)


class SharedEmptyList(list[Any]):
    """The empty list that message chunks share for `tool_calls` and the like."""

    __slots__ = ()
    _refusal = (
        "this empty list is shared by message chunks and cannot change: assign a new list "
        "to the field instead (for example chunk.tool_calls = [call])"
    )

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse

    def __copy__(self) -> list[Any]:
        return []

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return []

    def __reduce_ex__(self, protocol: Any) -> tuple[type[list[Any]], tuple[()]]:
        return list, ()


class SharedFieldsSet(set[str]):
    """The names of the fields given to a message (pydantic's `model_fields_set`), shared.

    A message unshares it (takes a copy of its own) before an attribute is assigned.
    """

    __slots__ = ()
    _refusal = (
        "this set of field names is shared by messages and cannot change here: assigning "
        "a field (message.name = ...) records it"
    )

    add = discard = remove = pop = clear = update = _refuse
    difference_update = intersection_update = symmetric_difference_update = _refuse
    __ior__ = __iand__ = __isub__ = __ixor__ = _refuse

    def __copy__(self) -> set[str]:
        return set(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> set[str]:
        return set(self)

    def __reduce_ex__(self, protocol: Any) -> tuple[type[set[str]], tuple[list[str]]]:
        return set, (list(self),)


EMPTY = SharedEmptyList()
_SETS: dict[tuple[str, ...], SharedFieldsSet] = {}


def fields_set(names: Iterable[str]) -> SharedFieldsSet:
    """The shared set of these field names."""
    key = tuple(names)
    found = _SETS.get(key)
    if found is None:
        found = _SETS[key] = SharedFieldsSet(key)
    return found
