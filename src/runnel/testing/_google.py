"""Gemini API and Vertex AI ``generateContent`` / ``streamGenerateContent``, as Google sends them.

Paths served (``{m}`` is the model; ``{v}`` the API version):

* Gemini API: ``/v1beta/models/{m}:streamGenerateContent`` and ``/v1/models/{m}:...``
  (google-genai 3.x asks ``/v1/`` by default, 2.x ``/v1beta/``), plus ``:generateContent``.
* Vertex AI: ``/v1beta1/projects/{p}/locations/{l}/publishers/google/models/{m}:...`` (also
  ``/v1/``), and ``/v1beta1/publishers/google/models/{m}:...`` (express mode, API key).

With ``?alt=sse`` a stream is server-sent events, one ``data: `` line per
``GenerateContentResponse``; without it, one JSON array written element by element. There
is no end-of-stream event: the last candidate carries ``finishReason`` and the connection
closes. Every chunk repeats ``usageMetadata`` with the running totals. Text ends with the
finish reason on the last text chunk; function calls arrive whole (``args`` is an object,
no ``id``), each in a chunk of its own, followed by a chunk with an empty text part and the
finish reason (``STOP``: Gemini has no "tool calls" reason). ``Reply(terminal=False)``
leaves the finish reason out. Errors are ``{"error": {"code", "message", "status"}}``; one
written into an open stream is raw, pretty-printed JSON (no ``data:``), as Google does.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from runnel.testing._script import Reply
from runnel.testing._wire import Frame, Request, Response, Route, Stream

__all__ = ["ROUTES", "error_body", "error_frames", "finish_reason", "usage_metadata"]

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_FINISH = {
    "stop": "STOP",
    "tool_calls": "STOP",
    "length": "MAX_TOKENS",
    "max_tokens": "MAX_TOKENS",
    "content_filter": "SAFETY",
}
_MODEL = re.compile(r"models/([^/:]+):")
_GEMINI = r"/v1(?:beta)?/models/[^/:]+"
_VERTEX = r"/v1(?:beta1)?/(?:projects/[^/]+/locations/[^/]+/)?publishers/google/models/[^/:]+"


def error_body(status: int, message: str) -> dict[str, Any]:
    """Google's JSON error body for an HTTP status."""
    return {"error": {"code": status, "message": message, "status": _status_name(status)}}


def error_frames(message: str) -> list[bytes]:
    """An error written into an open stream: raw, pretty-printed JSON lines (no ``data:``)."""
    body = {"error": {"code": 500, "message": message, "status": "INTERNAL"}}
    return [json.dumps(body, indent=2).encode() + b"\n"]


def finish_reason(reply: Reply) -> str:
    """The ``finishReason`` Gemini sends for the reply's stop reason."""
    return _FINISH.get(reply.stop_reason, reply.stop_reason.upper())


def usage_metadata(reply: Reply, output: int, *, vertex: bool = False) -> dict[str, Any]:
    """``usageMetadata`` with running totals after `output` candidate tokens.

    Zero counts are left out, as proto3 JSON does (``promptTokenCount`` and
    ``totalTokenCount`` excepted).
    """
    usage = reply.usage
    thoughts = usage.reasoning_tokens
    out: dict[str, Any] = {"promptTokenCount": usage.input_tokens}
    if output:
        out["candidatesTokenCount"] = output
    out["totalTokenCount"] = usage.input_tokens + output + thoughts
    if usage.cache_read_tokens:
        out["cachedContentTokenCount"] = usage.cache_read_tokens
    out["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": usage.input_tokens}]
    if usage.cache_read_tokens:
        out["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": usage.cache_read_tokens}]
    if thoughts:
        out["thoughtsTokenCount"] = thoughts
    if vertex:
        out["trafficType"] = "ON_DEMAND"
    return out


class _Render:
    """The responses of one reply, in the order Google sends them."""

    def __init__(self, request: Request, reply: Reply) -> None:
        self.reply = reply
        self.vertex = "/publishers/google/" in request.path
        found = _MODEL.search(request.path)
        self.model = reply.model or (found.group(1) if found else "gemini")
        self.response_id = uuid.uuid4().hex[:22]

    def response(
        self, parts: list[dict[str, Any]], output: int, *, finish: bool = False
    ) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}}
        if finish and self.reply.terminal:
            candidate["finishReason"] = finish_reason(self.reply)
        candidate["index"] = 0
        out: dict[str, Any] = {
            "candidates": [candidate],
            "usageMetadata": usage_metadata(self.reply, output, vertex=self.vertex),
            "modelVersion": self.model,
        }
        if self.vertex:
            out["createTime"] = "2025-01-01T00:00:00.000000Z"
        out["responseId"] = self.response_id
        return out

    def chunks(self) -> list[tuple[dict[str, Any], bool, bool]]:
        """(response, is a token, is the terminal chunk) for each chunk of the stream."""
        reply = self.reply
        tokens = reply.tokens
        total = reply.output_tokens
        pieces: list[dict[str, Any]] = [{"text": token} for token in tokens]
        pieces += [{"functionCall": {"name": c.name, "args": c.args}} for c in reply.tool_calls]
        out: list[tuple[dict[str, Any], bool, bool]] = []
        for i, part in enumerate(pieces, 1):
            last_text = i == len(pieces) and not reply.tool_calls
            running = total * i // len(pieces)
            out.append((self.response([part], running, finish=last_text), True, False))
        if reply.tool_calls or not pieces:
            # The finish reason comes in a chunk of its own, with an empty text part.
            out.append((self.response([{"text": ""}], total, finish=True), False, True))
        return out

    def whole(self) -> dict[str, Any]:
        """The non-streamed response."""
        reply = self.reply
        parts: list[dict[str, Any]] = [{"text": reply.content}] if reply.content else []
        parts += [{"functionCall": {"name": c.name, "args": c.args}} for c in reply.tool_calls]
        return self.response(parts or [{"text": ""}], reply.output_tokens, finish=True)


def _stream(request: Request, reply: Reply | None) -> Stream:
    render = _Render(request, reply or Reply())
    chunks = render.chunks()
    if request.query.get("alt") == "sse":
        frames = [
            Frame(_data(body), token=token, terminal=terminal) for body, token, terminal in chunks
        ]
        return Stream(frames)
    # Without alt=sse: one JSON array, written element by element.
    frames = [
        Frame((b"[" if i == 0 else b"\n,\r\n") + _json(body), token=token, terminal=terminal)
        for i, (body, token, terminal) in enumerate(chunks)
    ]
    frames.append(Frame(b"\n]"))
    return Stream(frames, content_type="application/json; charset=UTF-8")


def _whole(request: Request, reply: Reply | None) -> Response:
    return Response(200, _Render(request, reply or Reply()).whole())


def _data(body: dict[str, Any]) -> bytes:
    return b"data: " + _json(body) + b"\r\n\r\n"


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _status_name(status: int) -> str:
    if status in _STATUS:
        return _STATUS[status]
    return "INTERNAL" if status >= 500 else "FAILED_PRECONDITION"


def _routes(prefix: str) -> list[Route]:
    return [
        Route(
            "POST",
            prefix + ":streamGenerateContent",
            _stream,
            error_body=error_body,
            error_frames=error_frames,
        ),
        Route(
            "POST",
            prefix + ":generateContent",
            _whole,
            error_body=error_body,
            error_frames=error_frames,
        ),
    ]


ROUTES: list[Route] = [*_routes(_GEMINI), *_routes(_VERTEX)]
