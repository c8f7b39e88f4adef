"""Mistral's chat completions, streamed and whole, for `FakeProviderServer`.

Mistral's path is ``/v1/chat/completions``, the same as OpenAI's, so the fake serves it
under a prefix of its own: point the SDK there with ``Mistral(server_url=server.url +
"/mistral")``, or ``ChatMistralAI(base_url=server.url + "/mistral")``.

The stream is ``data:``-only server-sent events (content type ``text/event-stream``, which
the SDK requires): a first chunk with the role, one chunk per token, then the finish chunk
that carries ``finish_reason`` and ``usage`` together (Mistral needs no opt-in for usage)
and, on a tool call, the whole call in its delta; then ``data: [DONE]`` (reference §8).
The SDK swallows ``[DONE]``, so the finish chunk is what marks a complete stream: both
are left out with ``Reply(terminal=False)``.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from runnel.testing._script import Reply
from runnel.testing._wire import Frame, Request, Response, Route, Stream, sse

__all__ = ["ROUTES"]


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.usage.input_tokens,
        "total_tokens": reply.usage.input_tokens + reply.output_tokens,
        "completion_tokens": reply.output_tokens,
    }


def _calls(reply: Reply) -> list[dict[str, Any]]:
    # Whole calls, without ``index`` or ``type``, as recorded from the live API.
    return [
        {"id": call.id, "function": {"name": call.name, "arguments": json.dumps(call.args)}}
        for call in reply.tool_calls
    ]


def _stream(reply: Reply, model: str) -> Stream:
    head = {
        "id": uuid.uuid4().hex,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return sse({**head, "choices": [choice], **extra})

    frames = [Frame(chunk({"role": "assistant", "content": ""}))]
    frames += [Frame(chunk({"content": token}), token=True) for token in reply.tokens]
    last: dict[str, Any] = {"content": ""}
    if reply.tool_calls:
        last["tool_calls"] = _calls(reply)
    frames.append(
        Frame(
            chunk(last, reply.stop_reason, usage=_usage(reply)),
            token=bool(reply.tool_calls),
            terminal=True,
        )
    )
    frames.append(Frame(sse("[DONE]"), terminal=True))
    return Stream(frames)


def _whole(reply: Reply, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = _calls(reply)
    return {
        "id": uuid.uuid4().hex,
        "object": "chat.completion",
        "model": model,
        "created": int(time.time()),
        "choices": [{"index": 0, "message": message, "finish_reason": reply.stop_reason}],
        "usage": _usage(reply),
    }


def _chat(request: Request, reply: Reply | None) -> Response | Stream:
    reply = reply or Reply()
    body = request.json or {}
    model = reply.model or body.get("model") or "mistral-small-latest"
    if body.get("stream"):
        return _stream(reply, model)
    return Response(200, _whole(reply, model))


def _error_body(status: int, message: str) -> dict[str, Any]:
    if status == 422:  # what the SDK parses into HTTPValidationError
        return {"detail": [{"loc": ["body"], "msg": message, "type": "value_error"}]}
    # Other error bodies are UNVERIFIED (reference §8); this is the shape Mistral's API
    # is commonly seen to send, and the SDK keeps any body as raw text.
    return {
        "object": "error",
        "message": message,
        "type": "invalid_request_error" if status < 500 else "internal_error",
        "param": None,
        "code": str(status),
    }


def _error_frames(message: str) -> list[bytes]:
    # Mistral reports a failure mid-stream as a chunk whose finish_reason is "error"
    # (mistralai/client-python#74); how it words the message is UNVERIFIED, so the fake
    # sends the finish reason only, then [DONE].
    chunk = {
        "id": uuid.uuid4().hex,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "mistral",
        "choices": [
            {"index": 0, "delta": {"content": ""}, "finish_reason": "error", "logprobs": None}
        ],
    }
    return [sse(chunk), sse("[DONE]")]


ROUTES = [
    Route(
        "POST",
        r"/mistral/v1/chat/completions",
        _chat,
        error_body=_error_body,
        error_frames=_error_frames,
    ),
]
