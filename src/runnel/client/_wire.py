"""The client side of LangServe's wire: request bodies, revived values, streamed events.

`revive` turns JSON back into runnel objects (messages, documents, prompt values) only
when a dict validates exactly as one, so a user's dict with a `type` key stays a dict.
`EventReader` is the non-blocking core both the sync and async stream loops feed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from runnel._core.fold import AddableDict
from runnel.client._errors import RemoteError, RemoteUnavailable, error_from_status
from runnel.client._sse import ServerSentEvent
from runnel.documents import Document
from runnel.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    ChatMessageChunk,
    HumanMessage,
    HumanMessageChunk,
    SystemMessage,
    SystemMessageChunk,
    ToolMessage,
    ToolMessageChunk,
)
from runnel.prompt_values import ChatPromptValue, ChatPromptValueConcrete, StringPromptValue
from runnel.tracers import to_jsonable

__all__ = ["EventReader", "config_for_server", "error_from_response", "revive"]

_KNOWN: dict[str, type[BaseModel]] = {
    "ai": AIMessage,
    "human": HumanMessage,
    "system": SystemMessage,
    "tool": ToolMessage,
    "chat": ChatMessage,
    "AIMessageChunk": AIMessageChunk,
    "HumanMessageChunk": HumanMessageChunk,
    "SystemMessageChunk": SystemMessageChunk,
    "ToolMessageChunk": ToolMessageChunk,
    "ChatMessageChunk": ChatMessageChunk,
    "Document": Document,
    "ChatPromptValue": ChatPromptValue,
    "ChatPromptValueConcrete": ChatPromptValueConcrete,
    "StringPromptValue": StringPromptValue,
}
_SENT_KEYS = ("tags", "metadata", "recursion_limit", "max_concurrency", "configurable")


def revive(value: Any) -> Any:
    """JSON from the server, with well-known runnel objects rebuilt (recursively)."""
    if isinstance(value, list):
        return [revive(v) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("type")
    model = _KNOWN.get(kind) if isinstance(kind, str) else None
    if model is not None and set(value) <= set(model.model_fields):
        try:
            return model.model_validate(value)
        except ValidationError:
            pass
    return {k: revive(v) for k, v in value.items()}


def _json_safe(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def config_for_server(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The part of a local config worth sending: no callbacks, JSON-safe values only."""
    out: dict[str, Any] = {}
    for key in _SENT_KEYS:
        value = (config or {}).get(key)
        if value is None or value == [] or value == {}:
            continue
        if key in ("configurable", "metadata") and isinstance(value, Mapping):
            value = {k: v for k, v in value.items() if _json_safe(v)}
            if not value:
                continue
        if key == "recursion_limit" and value == 25:
            continue
        out[key] = to_jsonable(value)
    return out


def error_from_response(status_code: int, text: str) -> RemoteError:
    """A typed error from an HTTP error answer: runnel's JSON, FastAPI's, or plain text."""
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = text
    message = text.strip() or "(empty response)"
    error_type = None
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            message = body["message"]
        elif "detail" in body:
            message = (
                json.dumps(body["detail"])
                if not isinstance(body["detail"], str)
                else body["detail"]
            )
        if isinstance(body.get("type"), str):
            error_type = body["type"]
    return error_from_status(status_code, message, error_type=error_type, body=body)


class EventReader:
    """Interpret the events of one LangServe stream (`/stream`, `/stream_log`, `/stream_events`).

    `feed(event)` returns the decoded `data` payloads it completes (as a list, usually of
    one), raises `RemoteError` for an `error` event, and notes `end`; `close()` raises if
    the stream stopped without `end`.
    """

    __slots__ = ("addable", "done", "run_id", "url")

    def __init__(self, url: str, *, addable: bool = False) -> None:
        self.url = url
        self.addable = addable
        self.done = False
        self.run_id: str | None = None

    def feed(self, event: ServerSentEvent) -> list[Any]:
        """Decode one event.

        Raises:
            RemoteError: the server sent an `error` event.
        """
        if self.done:
            return []
        if event.event == "data":
            value = revive(json.loads(event.data))
            if self.addable and isinstance(value, dict):
                value = AddableDict(value)  # streamed dicts add up, as LangServe's client does
            return [value]
        if event.event == "end":
            self.done = True
        elif event.event == "metadata":
            try:
                meta = json.loads(event.data)
            except ValueError:
                meta = None
            if isinstance(meta, dict) and isinstance(meta.get("run_id"), str):
                self.run_id = meta["run_id"]
        elif event.event == "error":
            self.done = True
            try:
                body = json.loads(event.data)
            except ValueError:
                raise error_from_status(500, event.data or "invalid error event") from None
            if not isinstance(body, dict):
                raise error_from_status(500, str(body))
            raise error_from_status(
                body.get("status_code") if isinstance(body.get("status_code"), int) else 500,
                str(body.get("message", "")),
                error_type=body.get("type") if isinstance(body.get("type"), str) else None,
                body=body,
            )
        return []

    def close(self) -> None:
        """Check that the stream ended properly.

        Raises:
            RemoteUnavailable: the connection closed before an `end` event.
        """
        if not self.done:
            raise RemoteUnavailable(
                f"{self.url}: the stream ended without an 'end' event (connection lost?)"
            )
