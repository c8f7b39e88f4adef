"""The pieces a fake provider route is built from: requests, responses, frames, routes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runnel.testing._script import Reply

__all__ = [
    "Frame",
    "Request",
    "Response",
    "Route",
    "Stream",
    "ndjson",
    "sse",
]


@dataclass
class Request:
    """One request the server received (recorded in `FakeProviderServer.requests`)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON (None when empty or not JSON)."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass
class Response:
    """A whole (non-streamed) response."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Frame:
    """One unit written to a stream.

    `token` frames are what `Reply.delay`, `drop_after` and `error_after` count;
    `terminal` frames are left out when the reply says ``terminal=False``.
    """

    data: bytes
    token: bool = False
    terminal: bool = False


@dataclass
class Stream:
    """A streamed response: frames written one by one, chunked, flushed after each."""

    frames: list[Frame]
    content_type: str = "text/event-stream"
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request, "Reply | None"], "Response | Stream"]


@dataclass(frozen=True)
class Route:
    """A provider endpoint: a method and a path pattern, and how it answers.

    Attributes:
        handler: Renders the reply (None for routes that are not scripted) as a response.
        scripted: Whether each request takes the next queued `Reply`.
        error_body: The provider's JSON error body for an HTTP status and message.
        error_frames: The provider's mid-stream error event(s) for a message.
    """

    method: str
    pattern: str
    handler: Handler
    scripted: bool = True
    error_body: Callable[[int, str], Any] = lambda status, message: {
        "error": {"message": message, "code": status}
    }
    error_frames: Callable[[str], list[bytes]] = lambda message: [
        sse({"error": {"message": message}})
    ]

    def matches(self, method: str, path: str) -> bool:
        """Whether this route answers `method` on `path`."""
        return method == self.method and re.fullmatch(self.pattern, path) is not None


def sse(data: Any, event: str | None = None) -> bytes:
    """One server-sent event: optional ``event:`` line, one ``data:`` line, blank line."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    head = f"event: {event}\n" if event is not None else ""
    return f"{head}data: {payload}\n\n".encode()


def ndjson(obj: Any) -> bytes:
    """One newline-delimited JSON line."""
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()
