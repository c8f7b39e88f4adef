"""Anthropic's Messages API for `FakeProviderServer`: ``POST /v1/messages``.

Streams are rendered as Anthropic sends them (``event:`` and ``data:`` lines, as in the
SDK's recorded fixtures): ``message_start``, then a text block (``content_block_start``,
``ping``, one ``text_delta`` per token, ``content_block_stop``), one ``tool_use`` block per
tool call (``input_json_delta`` fragments, the first one empty), ``message_delta`` (stop
reason and cumulative output tokens) and the terminal ``message_stop``. A request without
``"stream": true`` gets the whole message as JSON.

Usage: `Usage.input_tokens` is the whole input, cached tokens included; as Anthropic does,
``input_tokens`` on the wire leaves out the cache reads and writes, which travel as
``cache_read_input_tokens`` and ``cache_creation_input_tokens``. Finish reasons map to stop
reasons: ``stop`` to ``end_turn``, ``tool_calls`` to ``tool_use``, ``length`` to
``max_tokens``; others are sent as given.

Errors have Anthropic's body ``{"type": "error", "error": {"type", "message"}}`` with the
error type of the status (429 ``rate_limit_error``, 529 ``overloaded_error``...); a
mid-stream error is an ``event: error`` (``overloaded_error``) after which the connection
closes without ``message_stop``.
"""

from __future__ import annotations

import itertools
from typing import Any

from runnel.testing._script import Reply, ToolCall
from runnel.testing._wire import Frame, Request, Response, Route, Stream, sse

__all__ = ["ROUTES", "error_body", "error_frames", "message", "messages"]

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_STOP_REASONS = {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens"}
_ids = itertools.count(1)


def error_body(status: int, message: str) -> dict[str, Any]:
    """Anthropic's error body for an HTTP `status`."""
    kind = _ERROR_TYPES.get(status) or ("api_error" if status >= 500 else "invalid_request_error")
    return {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": f"req_fake{next(_ids):06d}",
    }


def error_frames(message: str) -> list[bytes]:
    """The ``event: error`` Anthropic sends mid-stream (then it closes the connection)."""
    error = {"type": "error", "error": {"type": "overloaded_error", "message": message}}
    return [sse(error, event="error")]


def _usage(reply: Reply, *, output_tokens: int) -> dict[str, Any]:
    usage = reply.usage
    cached = usage.cache_read_tokens + usage.cache_creation_tokens
    return {
        "input_tokens": max(0, usage.input_tokens - cached),
        "cache_creation_input_tokens": usage.cache_creation_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def _output_usage(reply: Reply) -> dict[str, Any]:
    usage: dict[str, Any] = {"output_tokens": reply.output_tokens}
    if reply.usage.reasoning_tokens:
        usage["output_tokens_details"] = {"thinking_tokens": reply.usage.reasoning_tokens}
    return usage


def _stop_reason(reply: Reply) -> str:
    return _STOP_REASONS.get(reply.stop_reason, reply.stop_reason)


def _tool_id(call: ToolCall, position: int) -> str:
    return call.id if call.id != "call_0" else f"toolu_fake{position:02d}"


def message(request: Request, reply: Reply) -> dict[str, Any]:
    """The whole (non-streamed) message answering `request`."""
    body = request.json or {}
    content: list[dict[str, Any]] = []
    if reply.content:
        content.append({"type": "text", "text": reply.content})
    for position, call in enumerate(reply.tool_calls):
        content.append(
            {
                "type": "tool_use",
                "id": _tool_id(call, position),
                "name": call.name,
                "input": call.args,
            }
        )
    usage = _usage(reply, output_tokens=reply.output_tokens)
    usage.update(_output_usage(reply))
    return {
        "id": f"msg_fake{next(_ids):06d}",
        "type": "message",
        "role": "assistant",
        "model": reply.model or body.get("model", "claude-fake"),
        "content": content,
        "stop_reason": _stop_reason(reply),
        "stop_sequence": None,
        "usage": usage,
    }


def _event(data: dict[str, Any], *, token: bool = False, terminal: bool = False) -> Frame:
    return Frame(sse(data, event=data["type"]), token=token, terminal=terminal)


def _stream(request: Request, reply: Reply) -> Stream:
    whole = message(request, reply)
    start = {**whole, "content": [], "stop_reason": None, "stop_sequence": None}
    start["usage"] = _usage(reply, output_tokens=min(1, reply.output_tokens))
    frames = [_event({"type": "message_start", "message": start})]
    index = 0
    tokens = reply.tokens
    if tokens:
        text: dict[str, Any] = {"type": "text", "text": ""}
        frames.append(_event({"type": "content_block_start", "index": 0, "content_block": text}))
        frames.append(Frame(b'event: ping\ndata: {"type": "ping"}\n\n'))
        for token in tokens:
            delta = {"type": "text_delta", "text": token}
            frames.append(
                _event({"type": "content_block_delta", "index": 0, "delta": delta}, token=True)
            )
        frames.append(_event({"type": "content_block_stop", "index": 0}))
        index = 1
    for position, call in enumerate(reply.tool_calls):
        tool: dict[str, Any] = {"type": "tool_use", "id": _tool_id(call, position)}
        tool.update(name=call.name, input={})
        frames.append(
            _event({"type": "content_block_start", "index": index, "content_block": tool})
        )
        for n, piece in enumerate(["", *reply.arg_pieces(call)]):
            delta = {"type": "input_json_delta", "partial_json": piece}
            event = {"type": "content_block_delta", "index": index, "delta": delta}
            frames.append(_event(event, token=n > 0))
        frames.append(_event({"type": "content_block_stop", "index": index}))
        index += 1
    stop = {"stop_reason": whole["stop_reason"], "stop_sequence": None}
    frames.append(_event({"type": "message_delta", "delta": stop, "usage": _output_usage(reply)}))
    frames.append(_event({"type": "message_stop"}, terminal=True))
    return Stream(frames)


def messages(request: Request, reply: Reply | None) -> Response | Stream:
    """Answer ``POST /v1/messages``: a stream when the request asks for one."""
    reply = reply or Reply()
    if (request.json or {}).get("stream"):
        return _stream(request, reply)
    return Response(200, message(request, reply), {"request-id": f"req_fake{next(_ids):06d}"})


ROUTES = [
    Route(
        "POST",
        r"/v1/messages",
        messages,
        error_body=error_body,
        error_frames=error_frames,
    )
]
