"""Typed merge rules for the dict, list and content fields of streamed chunks.

A stream of chunks is folded field by field. Strings are only concatenated where a provider
streams text in pieces; identifiers and states keep one value; only counters add:

=====================  ==============================  =====================================
value                  ``CONCAT`` (additional_kwargs,  ``METADATA`` (response_metadata,
                       artifacts, content blocks)      generation_info)
=====================  ==============================  =====================================
``None`` on a side     the other side                  the other side
key in ``FIRST_KEYS``  first non-empty value           last non-empty value
key in ``LAST_KEYS``   last non-empty value            last non-empty value
other ``str``          concatenated                    last non-empty value
other ``int``          summed                          last value
``float``, ``bool``    last value                      last value
``dict``               merged recursively              merged recursively
``list``               merged by ``index`` (below)     merged by ``index`` (below)
different kinds        ``TypeError``                   last value
=====================  ==============================  =====================================

``FIRST_KEYS`` name what is being streamed (``id``, ``type``, ``name``, ``index``, ``role``...);
``LAST_KEYS`` are states and labels a provider may repeat on every chunk (``finish_reason``,
``model_name``, ``created``...): equal values are never doubled. Lists append their items, except
that a dict item with a non-``None`` ``index`` merges into the last earlier item with the same
``index``, unless both carry different non-empty ``id`` values (parallel tool calls that reuse an
index stay apart; `merge_tool_call_chunks` applies the same rule to tool-call chunks). Message
content also joins adjacent string items.

The rules are associative, so ``(a + b) + c == a + (b + c)``, with one exception: when items
reuse an ``index`` with different ids, an id-less item joins the item it follows in the stream, so
only the left fold is defined. Merging is done by a builder that copies each input once and joins
every string once at the end: folding N chunks costs time linear in their total size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CONCAT",
    "METADATA",
    "MergeRules",
    "merge_contents",
    "merge_dicts",
]

FIRST_KEYS = frozenset({"id", "type", "name", "index", "role", "call_id", "tool_call_id"})
LAST_KEYS = frozenset(
    {
        "model",
        "model_name",
        "model_provider",
        "output_version",
        "finish_reason",
        "stop_reason",
        "stop_sequence",
        "system_fingerprint",
        "service_tier",
        "status",
        "created",
        "created_at",
        "timestamp",
    }
)


@dataclass(frozen=True, slots=True)
class MergeRules:
    """How the values of one field merge (see the module docstring for the table).

    Attributes:
        concat: Concatenate strings and sum ints outside `first_keys` and `last_keys`; when
            false, every scalar keeps its last non-empty value.
        first_keys: Keys whose scalar value is the first non-empty one.
        last_keys: Keys whose scalar value is the last non-empty one.
    """

    concat: bool
    first_keys: frozenset[str] = frozenset()
    last_keys: frozenset[str] = frozenset()
    keep_keys: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keep_keys", self.first_keys | self.last_keys)


CONCAT = MergeRules(concat=True, first_keys=FIRST_KEYS, last_keys=LAST_KEYS)
METADATA = MergeRules(concat=False)


def merge_dicts(
    dicts: Iterable[Mapping[str, Any] | None], rules: MergeRules, label: str
) -> dict[str, Any]:
    """Merge dicts left to right under `rules`.

    Args:
        dicts: The dicts in stream order; `None` and empty dicts are skipped.
        rules: `CONCAT` or `METADATA`.
        label: The field's name, used in error messages.

    Raises:
        TypeError: if `rules` is `CONCAT` and one key holds values of different kinds.
    """
    present = [d for d in dicts if d]
    if not present:
        return {}
    if len(present) == 1:
        return dict(present[0])
    root: dict[str, Any] = {}
    for d in present:
        _add_dict(root, d, rules, label)
    return _finish(root)  # type: ignore[no-any-return]


def merge_contents(contents: Iterable[str | list[Any]]) -> str | list[Any]:
    """Merge message contents: strings concatenate, lists merge blocks by ``index``.

    A string meeting a list becomes a list item; empty strings are dropped then, and adjacent
    string items are joined, so ``"a" + ["b"] == ["ab"]`` and ``[] + "b" == ["b"]``.

    Raises:
        TypeError: if two blocks with the same ``index`` hold values of different kinds.
    """
    texts: list[str] = []
    node: _List | None = None
    for content in contents:
        if isinstance(content, str):
            if node is None:
                texts.append(content)
            elif content:
                _add_list(node, (content,), CONCAT, "content")
        else:
            if node is None:
                node = _List(join_strings=True)
                _add_list(node, ("".join(texts),), CONCAT, "content")
            _add_list(node, content, CONCAT, "content")
    if node is None:
        return "".join(texts)
    return _finish(node)  # type: ignore[no-any-return]


# -- builder ------------------------------------------------------------------------------------
# Nodes: dict (key -> node), _List, _Text (string parts, joined in _finish) or a plain value.


_Path = tuple[Any, ...] | str
"""Where a value sits: the field name, or ``(parent path, key or position)``; built lazily."""


def _show(path: _Path) -> str:
    keys: list[str] = []
    while isinstance(path, tuple):
        path, key = path
        keys.append(f"[{key!r}]")
    return path + "".join(reversed(keys))


class _Text:
    __slots__ = ("parts",)

    def __init__(self, first: str) -> None:
        self.parts = [first]


class _List:
    __slots__ = ("by_index", "items", "join_strings")

    def __init__(self, *, join_strings: bool) -> None:
        self.items: list[Any] = []
        self.by_index: dict[int | str, int] = {}
        self.join_strings = join_strings


def _node(value: Any, key: str | None, rules: MergeRules, path: _Path) -> Any:
    if isinstance(value, str):
        if key is not None and rules.concat and key not in rules.keep_keys:
            return _Text(value)
        return value
    if isinstance(value, dict):
        node: dict[str, Any] = {}
        _add_dict(node, value, rules, path)
        return node
    if isinstance(value, list):
        items = _List(join_strings=False)
        _add_list(items, value, rules, path)
        return items
    return value


def _add_dict(
    node: dict[str, Any], value: Mapping[str, Any], rules: MergeRules, path: _Path
) -> None:
    for key, item in value.items():
        if key in node:
            node[key] = _add(node[key], item, key, rules, (path, key))
        else:
            node[key] = _node(item, key, rules, (path, key))


def _add_list(node: _List, values: Iterable[Any], rules: MergeRules, path: _Path) -> None:
    items = node.items
    for value in values:
        if isinstance(value, dict):
            index = value.get("index")
            if isinstance(index, int | str) and not isinstance(index, bool):
                position = node.by_index.get(index)
                if position is not None and _same_id(items[position], value):
                    _add_dict(items[position], value, rules, (path, position))
                    continue
                node.by_index[index] = len(items)
        elif isinstance(value, str) and node.join_strings:
            if value:
                if items and isinstance(items[-1], _Text):
                    items[-1].parts.append(value)
                else:
                    items.append(_Text(value))
            continue
        items.append(_node(value, None, rules, (path, len(items))))


def _same_id(node: dict[str, Any], value: Mapping[str, Any]) -> bool:
    left, right = _finish(node.get("id")), value.get("id")
    return not left or not right or left == right


def _add(node: Any, value: Any, key: str, rules: MergeRules, path: _Path) -> Any:
    if value is None:
        return node
    if node is None:
        return _node(value, key, rules, path)
    if type(node) is _Text and isinstance(value, str):  # only text keys hold a _Text
        node.parts.append(value)
        return node
    if isinstance(value, dict) and isinstance(node, dict):
        _add_dict(node, value, rules, path)
        return node
    if isinstance(value, list) and isinstance(node, _List):
        _add_list(node, value, rules, path)
        return node
    if key in rules.first_keys:
        return _node(value, key, rules, path) if node == "" else node
    if rules.concat and key not in rules.last_keys:
        if type(node) is int and type(value) is int:
            return node + value
        if _kind(node) != _kind(value):
            raise TypeError(
                f"Cannot merge {_show(path)}: "
                f"a {_kind(node)} on the left, a {_kind(value)} on the right."
            )
    return node if value == "" else _node(value, key, rules, path)


def _kind(node: Any) -> str:
    if isinstance(node, str | _Text):
        return "string"
    if isinstance(node, dict):
        return "dict"
    if isinstance(node, _List):
        return "list"
    if isinstance(node, bool):
        return "bool"
    if isinstance(node, int | float):
        return "number"
    return type(node).__name__


def _finish(node: Any) -> Any:
    if isinstance(node, _Text):
        return node.parts[0] if len(node.parts) == 1 else "".join(node.parts)
    if isinstance(node, dict):
        return {key: _finish(value) for key, value in node.items()}
    if isinstance(node, _List):
        return [_finish(item) for item in node.items]
    return node
