"""Ollama's native chat API (``POST /api/chat``) and model list (``GET /api/tags``).

Point a client at the server root: ``ChatOllama(base_url=server.url)`` or
``ollama.Client(host=server.url)``.

``/api/chat`` streams unless the request says ``"stream": false``: newline-delimited JSON
(``application/x-ndjson``), one object per line and never a blank line. Each object has
``model``, ``created_at``, ``message`` and ``"done": false``; tool calls arrive whole, their
``arguments`` a JSON object; the last object has ``"done": true``, ``done_reason`` and the
metrics (``prompt_eval_count`` and ``eval_count`` are the token counts, durations are in
nanoseconds). An error before the stream is an HTTP status with ``{"error": "..."}``; an
error mid-stream is a ``{"error": "..."}`` line under status 200 (reference §13.1).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from runnel.testing._script import Reply
from runnel.testing._wire import Frame, Request, Response, Route, Stream, ndjson

__all__ = ["ROUTES"]

_DONE_REASON = {"stop": "stop", "tool_calls": "stop", "length": "length"}
_NS_PER_TOKEN = 20_000_000

#: What ``GET /api/tags`` lists (the fake has no real models).
_MODELS = ("llama3.2:latest", "qwen2.5:7b")


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _calls(reply: Reply) -> list[dict[str, Any]]:
    return [
        {"id": call.id, "function": {"index": index, "name": call.name, "arguments": call.args}}
        for index, call in enumerate(reply.tool_calls)
    ]


def _final(reply: Reply, model: str, message: dict[str, Any]) -> dict[str, Any]:
    prompt, output = reply.usage.input_tokens, reply.output_tokens
    return {
        "model": model,
        "created_at": _now(),
        "message": message,
        "done_reason": _DONE_REASON.get(reply.stop_reason, reply.stop_reason),
        "done": True,
        "total_duration": (prompt + output) * _NS_PER_TOKEN + 1_000_000,
        "load_duration": 1_000_000,
        "prompt_eval_count": prompt,
        "prompt_eval_duration": prompt * _NS_PER_TOKEN,
        "eval_count": output,
        "eval_duration": output * _NS_PER_TOKEN,
    }


def _stream(reply: Reply, model: str) -> Stream:
    def line(message: dict[str, Any]) -> bytes:
        return ndjson({"model": model, "created_at": _now(), "message": message, "done": False})

    frames = [
        Frame(line({"role": "assistant", "content": token}), token=True) for token in reply.tokens
    ]
    if reply.tool_calls:
        message = {"role": "assistant", "content": "", "tool_calls": _calls(reply)}
        frames.append(Frame(line(message), token=True))
    end = _final(reply, model, {"role": "assistant", "content": ""})
    frames.append(Frame(ndjson(end), terminal=True))
    return Stream(frames, content_type="application/x-ndjson")


def _chat(request: Request, reply: Reply | None) -> Response | Stream:
    reply = reply or Reply()
    body = request.json or {}
    model = reply.model or body.get("model") or "llama3.2"
    if body.get("stream", True):
        return _stream(reply, model)
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = _calls(reply)
    return Response(200, _final(reply, model, message))


def _tags(request: Request, reply: Reply | None) -> Response:
    models = [
        {
            "name": name,
            "model": name,
            "modified_at": "2025-01-01T00:00:00Z",
            "size": 2_019_393_189,
            "digest": f"{index:064x}",
            "details": {"format": "gguf", "family": name.split(":")[0]},
        }
        for index, name in enumerate(_MODELS)
    ]
    return Response(200, {"models": models})


ROUTES = [
    Route(
        "POST",
        r"/api/chat",
        _chat,
        error_body=lambda status, message: {"error": message},
        error_frames=lambda message: [ndjson({"error": message})],
    ),
    Route("GET", r"/api/tags", _tags, scripted=False),
]
