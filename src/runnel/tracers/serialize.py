"""Turning events, chunks and messages into JSON-safe data (for SSE, logs, storage)."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import uuid
from collections.abc import Mapping
from typing import Any

__all__ = ["to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """Return `value` as JSON-safe data: dicts, lists, strings, numbers, bools, None.

    Messages and other pydantic models become dicts with their `type`; prompt values
    become `{"type": ..., "messages": [...]}` (chat) or `{"type": ..., "text": ...}`;
    exceptions become `{"type": "error", "error": <class name>, "message": str(exc)}`;
    UUIDs and datetimes become strings; run-log patches become `{"ops": [...]}` (and
    a `RunLog` also its `"state"`); anything else unknown, classes included, becomes
    its `repr`.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, type):  # a class (a pydantic model's `model_dump` needs an instance)
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, BaseException):
        return {"type": "error", "error": type(value).__name__, "message": str(value)}
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    to_messages = getattr(value, "to_messages", None)
    if callable(to_messages) and type(value).__name__.endswith("PromptValue"):
        if type(value).__name__ == "StringPromptValue":
            return {"type": "StringPromptValue", "text": value.to_string()}
        return {"type": "ChatPromptValue", "messages": to_jsonable(to_messages())}
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        data = to_jsonable(dump())
        if isinstance(data, dict):
            data.setdefault("type", type(value).__name__)
        return data
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    ops = getattr(value, "ops", None)
    if isinstance(ops, list):
        out = {"ops": to_jsonable(ops)}
        if hasattr(value, "state"):
            out["state"] = to_jsonable(value.state)
        return out
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return repr(value)
