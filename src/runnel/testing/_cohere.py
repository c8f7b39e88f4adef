"""Cohere's v2 chat (``POST /v2/chat``), streamed and whole, for `FakeProviderServer`.

Point the SDK at the server root: ``cohere.ClientV2(base_url=server.url)``, or
``ChatCohere(base_url=server.url)``.

The stream is server-sent events whose JSON payloads carry the event ``type``:
``message-start``, ``content-start`` / ``content-delta`` / ``content-end`` for text,
``tool-plan-delta`` for the plan a model writes before calling tools,
``tool-call-start`` / ``tool-call-delta`` / ``tool-call-end`` (one per call, by ``index``),
and ``message-end`` with the finish reason and the usage. Two details are UNVERIFIED
against the live API (reference §7): the ``event:`` line before each ``data:`` line and
the closing ``data: [DONE]``. The fake sends both, as the SDK's parser reads only ``data``
and stops at ``[DONE]``; the protocol's own terminal event is ``message-end``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from runnel.testing._script import Reply
from runnel.testing._wire import Frame, Request, Response, Route, Stream, sse

__all__ = ["ROUTES"]

_FINISH = {"stop": "COMPLETE", "tool_calls": "TOOL_CALL", "length": "MAX_TOKENS"}


def _finish_reason(reply: Reply) -> str:
    return _FINISH.get(reply.stop_reason, reply.stop_reason.upper())


def _usage(reply: Reply) -> dict[str, Any]:
    counts = {"input_tokens": reply.usage.input_tokens, "output_tokens": reply.output_tokens}
    usage: dict[str, Any] = {"billed_units": dict(counts), "tokens": dict(counts)}
    if reply.usage.cache_read_tokens:
        usage["cached_tokens"] = reply.usage.cache_read_tokens
    return usage


def _event(payload: dict[str, Any], *, token: bool = False, terminal: bool = False) -> Frame:
    return Frame(sse(payload, event=payload["type"]), token=token, terminal=terminal)


def _stream(reply: Reply) -> Stream:
    frames = [
        _event(
            {
                "id": str(uuid.uuid4()),
                "type": "message-start",
                "delta": {
                    "message": {
                        "role": "assistant",
                        "content": [],
                        "tool_plan": "",
                        "tool_calls": [],
                        "citations": [],
                    }
                },
            }
        )
    ]
    if reply.tool_calls:
        # With tools, the text a model writes first is its tool plan.
        frames += [
            _event(
                {"type": "tool-plan-delta", "delta": {"message": {"tool_plan": token}}},
                token=True,
            )
            for token in reply.tokens
        ]
    elif reply.tokens:
        frames.append(
            _event(
                {
                    "type": "content-start",
                    "index": 0,
                    "delta": {"message": {"content": {"type": "text", "text": ""}}},
                }
            )
        )
        frames += [
            _event(
                {
                    "type": "content-delta",
                    "index": 0,
                    "delta": {"message": {"content": {"text": token}}},
                },
                token=True,
            )
            for token in reply.tokens
        ]
        frames.append(_event({"type": "content-end", "index": 0}))
    for index, call in enumerate(reply.tool_calls):
        frames.append(
            _event(
                {
                    "type": "tool-call-start",
                    "index": index,
                    "delta": {
                        "message": {
                            # One object, not a list: that is how the stream carries it.
                            "tool_calls": {
                                "id": call.id,
                                "type": "function",
                                "function": {"name": call.name, "arguments": ""},
                            }
                        }
                    },
                }
            )
        )
        frames += [
            _event(
                {
                    "type": "tool-call-delta",
                    "index": index,
                    "delta": {"message": {"tool_calls": {"function": {"arguments": piece}}}},
                },
                token=True,
            )
            for piece in reply.arg_pieces(call)
        ]
        frames.append(_event({"type": "tool-call-end", "index": index}))
    frames.append(
        _event(
            {
                "type": "message-end",
                "delta": {"finish_reason": _finish_reason(reply), "usage": _usage(reply)},
            },
            terminal=True,
        )
    )
    frames.append(Frame(sse("[DONE]"), terminal=True))
    return Stream(frames)


def _whole(reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant"}
    if reply.tool_calls:
        message["tool_plan"] = reply.content
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.args)},
            }
            for call in reply.tool_calls
        ]
    else:
        message["content"] = [{"type": "text", "text": reply.content}]
    return {
        "id": str(uuid.uuid4()),
        "finish_reason": _finish_reason(reply),
        "message": message,
        "usage": _usage(reply),
    }


def _chat(request: Request, reply: Reply | None) -> Response | Stream:
    reply = reply or Reply()
    body = request.json or {}
    if body.get("stream"):
        return _stream(reply)
    return Response(200, _whole(reply))


def _error_body(status: int, message: str) -> dict[str, Any]:
    # Cohere answers errors with a JSON object carrying ``message`` (exact body UNVERIFIED).
    return {"id": str(uuid.uuid4()), "message": message}


def _error_frames(message: str) -> list[bytes]:
    # UNVERIFIED how the live API reports a failure mid-stream; ``message-end`` with
    # ``finish_reason: "ERROR"`` (and the SDK's ``delta.error`` field) is the documented
    # in-band signal, so the fake sends that, then ``[DONE]``.
    end = {"type": "message-end", "delta": {"finish_reason": "ERROR", "error": message}}
    return [sse(end, event="message-end"), sse("[DONE]")]


ROUTES = [
    Route("POST", r"/v2/chat", _chat, error_body=_error_body, error_frames=_error_frames),
]
