"""Metadata filters: MongoDB-style dicts compiled into predicates on a metadata dict.

A filter is a dict whose entries must all hold:

- `{"field": value}`: the field equals `value` (a list `value` means: is one of them);
- `{"field": {"$op": operand, ...}}` with `$eq`, `$ne` (or `$neq`), `$gt`, `$gte`, `$lt`,
  `$lte`, `$in`, `$nin`;
- `{"$and": [filter, ...]}`, `{"$or": [filter, ...]}`, `{"$not": filter}`.

A missing field is `None` for `$eq`/`$ne`/`$in`/`$nin`; an ordering comparison with a
missing or incomparable value (`"a" > 1`) does not match.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["MetadataPredicate", "metadata_predicate"]

MetadataPredicate = Callable[[Mapping[str, Any]], bool]

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}
_FIELD_OPERATORS = ("$eq", "$ne", "$neq", "$in", "$nin", *_ORDER)
_LOGICAL = ("$and", "$or", "$not")


def metadata_predicate(spec: Mapping[str, Any]) -> MetadataPredicate:
    """Compile a filter dict into a function of a document's metadata.

    Raises:
        ValueError: an unknown operator, or an operand of the wrong kind (`$in` needs a
            list, `$and`/`$or` a list of filters, `$not` a filter).
    """
    if not isinstance(spec, Mapping):
        raise ValueError(f"a metadata filter must be a dict, got {type(spec).__name__}")
    tests = [_entry(key, value) for key, value in spec.items()]
    return lambda metadata: all(test(metadata) for test in tests)


def _entry(key: str, value: Any) -> MetadataPredicate:
    if isinstance(key, str) and key.startswith("$"):
        return _logical(key, value)
    if _is_operator_dict(value):
        tests = [_field(key, op, operand) for op, operand in value.items()]
        return lambda metadata: all(test(metadata) for test in tests)
    if isinstance(value, list):
        return _field(key, "$in", value)
    return _field(key, "$eq", value)


def _is_operator_dict(value: Any) -> bool:
    if not isinstance(value, Mapping) or not value:
        return False
    dollar = [isinstance(k, str) and k.startswith("$") for k in value]
    if any(dollar) and not all(dollar):
        raise ValueError(f"cannot mix operators and plain keys in one condition: {dict(value)!r}")
    return all(dollar)


def _logical(op: str, operand: Any) -> MetadataPredicate:
    if op == "$not":
        inner = metadata_predicate(operand)
        return lambda metadata: not inner(metadata)
    if op in ("$and", "$or"):
        if not isinstance(operand, list | tuple) or not operand:
            raise ValueError(f"{op} needs a non-empty list of filters, got {operand!r}")
        parts = [metadata_predicate(part) for part in operand]
        combine = all if op == "$and" else any
        return lambda metadata: combine(part(metadata) for part in parts)
    raise ValueError(
        f"unknown filter operator {op!r}: use one of {', '.join(_LOGICAL)} at the top level, "
        f"or {', '.join(_FIELD_OPERATORS)} on a field"
    )


def _field(key: str, op: str, operand: Any) -> MetadataPredicate:
    if op == "$eq":
        return lambda metadata: bool(metadata.get(key) == operand)
    if op in ("$ne", "$neq"):
        return lambda metadata: bool(metadata.get(key) != operand)
    if op in ("$in", "$nin"):
        if not isinstance(operand, list | tuple | set | frozenset):
            raise ValueError(f"{op} on {key!r} needs a list of values, got {operand!r}")
        values = list(operand)
        if op == "$in":
            return lambda metadata: metadata.get(key) in values
        return lambda metadata: metadata.get(key) not in values
    compare = _ORDER.get(op)
    if compare is None:
        raise ValueError(
            f"unknown filter operator {op!r} on {key!r}: use one of {', '.join(_FIELD_OPERATORS)}"
        )

    def ordered(metadata: Mapping[str, Any]) -> bool:
        if key not in metadata or metadata[key] is None:
            return False
        try:
            return bool(compare(metadata[key], operand))
        except TypeError:
            return False

    return ordered
