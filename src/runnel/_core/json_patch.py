"""JSON Patch (RFC 6902): apply operations without mutating the document they are applied to.

Errors:
    ValueError
     └── JsonPatchError     an operation is malformed or its path does not resolve
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["JsonPatchError", "apply_patch"]

_INDEX = re.compile(r"0|[1-9][0-9]*")


class JsonPatchError(ValueError):
    """A JSON-patch operation is malformed, its path does not resolve, or its test failed."""


def apply_patch(doc: Any, ops: Iterable[Mapping[str, Any]]) -> Any:
    """Apply RFC 6902 operations to `doc` and return the new document.

    `doc` and the operations' values are never mutated: the containers on each path are copied
    (at most once per call) and everything else is shared with `doc`. Supports `add`, `remove`,
    `replace`, `move`, `copy` and `test`.

    Raises:
        JsonPatchError: if an operation is malformed, a path does not resolve or a test fails.
    """
    owned: dict[int, Any] = {}  # containers this call created (kept alive): changed in place
    for op in ops:
        doc = _apply(doc, op, owned)
    return doc


def _apply(doc: Any, op: Mapping[str, Any], owned: dict[int, Any]) -> Any:
    try:
        kind, path = op["op"], _parse_pointer(op["path"])
        if kind in ("add", "replace", "test"):
            value = op["value"]
        elif kind in ("move", "copy"):
            source = _parse_pointer(op["from"])
    except KeyError as exc:
        raise JsonPatchError(f"JSON-patch operation {dict(op)!r} lacks {exc}") from None
    if kind == "add":
        return _add(doc, path, value, owned)
    if kind == "replace":
        _get(doc, path)
        return _edit(doc, path, owned, lambda parent, key: _set(parent, key, value))
    if kind == "remove":
        return _remove(doc, path, owned)
    if kind == "copy":
        owned.clear()  # the copied containers are now shared: copy them before any change
        return _add(doc, path, _get(doc, source), owned)
    if kind == "move":
        value = _get(doc, source)
        return _add(_remove(doc, source, owned), path, value, owned)
    if kind == "test":
        if _get(doc, path) != value:
            raise JsonPatchError(f"JSON-patch test failed at {op['path']!r}")
        return doc
    raise JsonPatchError(f"unknown JSON-patch operation {kind!r}")


def _parse_pointer(pointer: str) -> list[str]:
    """Split a JSON pointer (RFC 6901) into unescaped reference tokens."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise JsonPatchError(f"JSON pointer {pointer!r} must be empty or start with '/'")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def _index(container: list[Any], token: str, *, append: bool = False) -> int:
    size = len(container) + append
    if token == "-" and append:
        return len(container)
    if not _INDEX.fullmatch(token) or int(token) >= size:
        raise JsonPatchError(f"no array index {token!r} in an array of {len(container)} items")
    return int(token)


def _get(doc: Any, path: list[str]) -> Any:
    for token in path:
        if type(doc) is list:
            doc = doc[_index(doc, token)]
        elif isinstance(doc, dict):
            if token not in doc:
                raise JsonPatchError(f"no key {token!r} in the object")
            doc = doc[token]
        else:
            raise JsonPatchError(f"cannot look up {token!r} in a {type(doc).__name__}")
    return doc


def _edit(
    doc: Any, path: list[str], owned: dict[int, Any], change: Callable[[Any, Any], Any]
) -> Any:
    """Return `doc` with the containers on `path` copied and `change(parent, last_token)` run."""
    if not path:
        return change(None, None)
    root = _own(doc, owned)
    parent = root
    for token in path[:-1]:
        key: Any = _index(parent, token) if type(parent) is list else token
        if type(parent) is not list and (not isinstance(parent, dict) or token not in parent):
            raise JsonPatchError(f"no container at {token!r}")
        child = _own(parent[key], owned)
        parent[key] = child
        parent = child
    if not isinstance(parent, dict | list):
        raise JsonPatchError(f"cannot change {path[-1]!r} in a {type(parent).__name__}")
    change(parent, path[-1])
    return root


def _own(container: Any, owned: dict[int, Any]) -> Any:
    if id(container) in owned or not isinstance(container, dict | list):
        return container
    copy = container.copy()
    owned[id(copy)] = copy
    return copy


def _set(parent: Any, token: Any, value: Any) -> Any:
    if parent is None:
        return value
    if type(parent) is list:
        parent[_index(parent, token)] = value
    else:
        parent[token] = value
    return None


def _add(doc: Any, path: list[str], value: Any, owned: dict[int, Any]) -> Any:
    def change(parent: Any, token: Any) -> Any:
        if parent is None:
            return value
        if type(parent) is list:
            parent.insert(_index(parent, token, append=True), value)
        else:
            parent[token] = value
        return None

    return _edit(doc, path, owned, change)


def _remove(doc: Any, path: list[str], owned: dict[int, Any]) -> Any:
    _get(doc, path)

    def change(parent: Any, token: Any) -> Any:
        if parent is None:
            return None
        del parent[_index(parent, token) if type(parent) is list else token]
        return None

    return _edit(doc, path, owned, change)
