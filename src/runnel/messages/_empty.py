"""The empty list that plain text chunks share for their list fields."""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["EMPTY"]


class SharedEmptyList(list[Any]):
    """An empty list that refuses to change: `[]` to everyone who reads it.

    A streamed token is an `AIMessageChunk` with three empty list fields (`tool_calls`,
    `invalid_tool_calls`, `tool_call_chunks`). Built by the fast path, such chunks share
    this one list instead of each owning three, so a token is three objects for the
    garbage collector to track, not six, which counts when many streams run at once.

    It equals `[]`, serializes as `[]`, and copies and unpickles as a new `[]`.
    Changing it in place raises `TypeError`; assign a new list to the field instead.
    """

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
            "this empty list is shared by message chunks and cannot change: assign a new "
            "list to the field instead (for example chunk.tool_calls = [call])"
        )

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse

    def __copy__(self) -> list[Any]:
        return []

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return []

    def __reduce_ex__(self, protocol: Any) -> tuple[type[list[Any]], tuple[()]]:
        return list, ()


EMPTY = SharedEmptyList()
