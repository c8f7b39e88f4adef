"""The OpenAI family's wire protocols for `FakeProviderServer`.

Routes, and the variant of the protocol each speaks:

* ``/v1/chat/completions``, ``/v1/completions``, ``/v1/embeddings``, ``GET /v1/models``:
  OpenAI, which is also what NVIDIA, Together, vLLM, LM Studio and Ollama's ``/v1`` speak.
  With ``stream_options.include_usage`` every chunk carries ``"usage": null`` and one more
  chunk with ``"choices": []`` carries the usage before ``[DONE]``.
* ``/openai/deployments/{deployment}/...?api-version=...``: Azure OpenAI. A first
  prompt-annotation frame with empty ``choices`` and empty ``id``/``model``, a
  content-filter annotation frame whose choice has no ``delta``, ``"usage": null`` on every
  chunk. A missing ``api-version`` is a 404, as on Azure.
* ``/openai/v1/...``: Groq (``x_groq`` on the first and last chunks, usage with timings in
  both ``x_groq.usage`` and ``usage`` of the finish chunk, tool calls whole in one delta).
  A request with an ``api-key`` header gets Azure's variant instead (Azure's v1 API).
* ``/inference/v1/...``: Fireworks (usage on the finish chunk, object error envelope).

`flavour_routes` builds the same routes for another variant on any prefix, e.g. Together's
(``eos`` finish reason, role on every delta, usage on the last chunk) on ``/v1``.

Embeddings are not scripted: each text gets a deterministic unit vector hashed from its
words, so texts that share words point in similar directions (useful for retrieval tests).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from runnel.testing._script import Reply
from runnel.testing._wire import Frame, Request, Response, Route, Stream, sse

__all__ = ["FLAVOURS", "ROUTES", "Flavour", "embed_text", "flavour_routes"]

_WORD = re.compile(r"\w+")
_DONE = b"data: [DONE]\n\n"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Flavour:
    """The quirks of one OpenAI-compatible provider's rendering of the protocol."""

    name: str
    azure: bool = False
    x_groq: bool = False
    usage_on_finish: bool = False
    whole_tool_calls: bool = False
    role_on_every_delta: bool = False
    stop_word: str = "stop"
    system_fingerprint: str | None = "fp_runnel01"
    extra: dict[str, Any] = field(default_factory=dict)


FLAVOURS: dict[str, Flavour] = {
    "openai": Flavour("openai", extra={"service_tier": "default"}),
    "azure": Flavour("azure", azure=True),
    "groq": Flavour("groq", x_groq=True, usage_on_finish=True, whole_tool_calls=True),
    "fireworks": Flavour("fireworks", usage_on_finish=True, system_fingerprint=None),
    "together": Flavour(
        "together",
        usage_on_finish=True,
        role_on_every_delta=True,
        stop_word="eos",
        system_fingerprint=None,
    ),
}


# -- usage ---------------------------------------------------------------------------------
def _usage(reply: Reply, flavour: Flavour) -> dict[str, Any]:
    usage = reply.usage
    out = reply.output_tokens
    body: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": out,
        "total_tokens": usage.input_tokens + out,
    }
    prompt_details: dict[str, Any] = {"cached_tokens": usage.cache_read_tokens, "audio_tokens": 0}
    if usage.cache_creation_tokens:
        prompt_details["cache_write_tokens"] = usage.cache_creation_tokens
    completion_details = {"reasoning_tokens": usage.reasoning_tokens, "audio_tokens": 0}
    if flavour.x_groq:  # Groq reports timings instead of details
        body.update(queue_time=0.01, prompt_time=0.002, completion_time=0.01, total_time=0.012)
        if usage.cache_read_tokens:
            body["prompt_tokens_details"] = {"cached_tokens": usage.cache_read_tokens}
        return body
    body["prompt_tokens_details"] = prompt_details
    body["completion_tokens_details"] = completion_details
    return body


def _filter_results() -> dict[str, Any]:
    safe = {"filtered": False, "severity": "safe"}
    return {"hate": safe, "self_harm": safe, "sexual": safe, "violence": safe}


# -- chat completions ----------------------------------------------------------------------
def _model(request: Request, reply: Reply | None) -> str:
    if reply is not None and reply.model is not None:
        return reply.model
    body = request.json or {}
    model = body.get("model")
    if isinstance(model, str) and model:
        return model
    match = re.search(r"/deployments/([^/]+)/", request.path)
    return match.group(1) if match else "unknown-model"


def _finish(reply: Reply, flavour: Flavour) -> str:
    reason = reply.stop_reason
    return flavour.stop_word if reason == "stop" else reason


def _chat_stream(flavour: Flavour, request: Request, reply: Reply) -> Stream:
    body = request.json or {}
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    usage_null = flavour.azure or (include_usage and flavour.name == "openai")
    envelope: dict[str, Any] = {
        "id": f"chatcmpl-{next(_ids):08d}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": _model(request, reply),
    }
    if flavour.system_fingerprint:
        envelope["system_fingerprint"] = flavour.system_fingerprint
    envelope.update(flavour.extra)
    groq_id = f"req_{next(_ids):08d}"

    def chunk(delta: dict[str, Any] | None, finish: str | None = None) -> dict[str, Any]:
        choice: dict[str, Any] = {"index": 0}
        if delta is not None:
            choice["delta"] = delta
        choice["logprobs"] = None
        choice["finish_reason"] = finish
        data = {**envelope, "choices": [choice]}
        if usage_null:
            data["usage"] = None
        return data

    frames: list[Frame] = []
    if flavour.azure:
        annotation = {"prompt_index": 0, "content_filter_results": _filter_results()}
        frames.append(
            Frame(
                sse(
                    {
                        "id": "",
                        "object": "",
                        "created": 0,
                        "model": "",
                        "prompt_filter_results": [annotation],
                        "choices": [],
                        "usage": None,
                    }
                )
            )
        )
    tokens = reply.tokens
    role: dict[str, Any] = {"role": "assistant"}
    if not flavour.role_on_every_delta:
        first = {**role, "content": "" if tokens or not reply.tool_calls else None}
        if flavour.name == "openai":
            first["refusal"] = None
        data = chunk(first)
        if flavour.x_groq:
            data["x_groq"] = {"id": groq_id, "seed": 1234}
        frames.append(Frame(sse(data)))
    for token in tokens:
        delta = {**role, "content": token} if flavour.role_on_every_delta else {"content": token}
        frames.append(Frame(sse(chunk(delta)), token=True))
    for index, call in enumerate(reply.tool_calls):
        if flavour.whole_tool_calls:
            whole = {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.args)},
                "index": index,
            }
            frames.append(Frame(sse(chunk({"tool_calls": [whole]})), token=True))
            continue
        head = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        frames.append(Frame(sse(chunk({"tool_calls": [head]}))))
        for piece in reply.arg_pieces(call):
            part = {"index": index, "function": {"arguments": piece}}
            frames.append(Frame(sse(chunk({"tool_calls": [part]})), token=True))
    last = chunk({}, _finish(reply, flavour))
    if flavour.x_groq:
        last["x_groq"] = {"id": groq_id, "usage": _usage(reply, flavour)}
    if flavour.usage_on_finish:
        last["usage"] = _usage(reply, flavour)
    frames.append(Frame(sse(last)))
    if flavour.azure:
        annotation_choice = {
            "index": 0,
            "finish_reason": None,
            "content_filter_results": _filter_results(),
            "content_filter_offsets": {"check_offset": 0, "start_offset": 0, "end_offset": 64},
        }
        empty = {"id": "", "object": "", "created": 0, "model": ""}
        frames.append(Frame(sse({**empty, "choices": [annotation_choice], "usage": None})))
    if include_usage and not flavour.usage_on_finish:
        frames.append(Frame(sse({**envelope, "choices": [], "usage": _usage(reply, flavour)})))
    frames.append(Frame(_DONE, terminal=True))
    return Stream(frames)


def _chat_whole(flavour: Flavour, request: Request, reply: Reply) -> Response:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": reply.content if reply.content or not reply.tool_calls else None,
        "refusal": None,
        "annotations": [],
    }
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.args)},
            }
            for call in reply.tool_calls
        ]
    choice: dict[str, Any] = {
        "index": 0,
        "message": message,
        "logprobs": None,
        "finish_reason": _finish(reply, flavour),
    }
    body: dict[str, Any] = {
        "id": f"chatcmpl-{next(_ids):08d}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": _model(request, reply),
        "choices": [choice],
        "usage": _usage(reply, flavour),
    }
    if flavour.system_fingerprint:
        body["system_fingerprint"] = flavour.system_fingerprint
    body.update(flavour.extra)
    if flavour.azure:
        choice["content_filter_results"] = _filter_results()
        body["prompt_filter_results"] = [
            {"prompt_index": 0, "content_filter_results": _filter_results()}
        ]
    if flavour.x_groq:
        body["x_groq"] = {"id": f"req_{next(_ids):08d}"}
    return Response(200, body)


# -- legacy completions --------------------------------------------------------------------
def _completion_stream(flavour: Flavour, request: Request, reply: Reply) -> Stream:
    body = request.json or {}
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    envelope: dict[str, Any] = {
        "id": f"cmpl-{next(_ids):08d}",
        "object": "text_completion",
        "created": int(time.time()),
    }
    model = _model(request, reply)
    frames: list[Frame] = []
    tokens = reply.tokens or [""]
    finish = _finish(reply, flavour)
    for i, token in enumerate(tokens):
        done = finish if i == len(tokens) - 1 else None
        choice = {"text": token, "index": 0, "logprobs": None, "finish_reason": done}
        data = {**envelope, "choices": [choice], "model": model, "usage": None}
        frames.append(Frame(sse(data), token=bool(token)))
    if include_usage:
        usage = _usage(reply, flavour)
        frames.append(Frame(sse({**envelope, "model": model, "usage": usage, "choices": []})))
    frames.append(Frame(_DONE, terminal=True))
    return Stream(frames)


def _completion_whole(flavour: Flavour, request: Request, reply: Reply) -> Response:
    choice = {
        "text": reply.content,
        "index": 0,
        "logprobs": None,
        "finish_reason": _finish(reply, flavour),
    }
    return Response(
        200,
        {
            "id": f"cmpl-{next(_ids):08d}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": _model(request, reply),
            "choices": [choice],
            "usage": _usage(reply, flavour),
        },
    )


# -- embeddings and models -----------------------------------------------------------------
def embed_text(text: str, dimensions: int) -> list[float]:
    """The fake server's embedding of `text`: a unit vector hashed from its words.

    Each lowercased word adds ±1 at a position chosen by its hash, so texts sharing words
    have a positive cosine similarity; the same text always gets the same vector.
    """
    vector = [0.0] * dimensions
    for word in _WORD.findall(text.lower()) or [text]:
        number = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
        vector[number % dimensions] += 1.0 if number >> 63 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0.0:
        vector[0], norm = 1.0, 1.0
    return [v / norm for v in vector]


def _embeddings(request: Request, reply: Reply | None) -> Response:
    body = request.json or {}
    raw = body.get("input")
    if isinstance(raw, str):
        texts = [raw]
    elif isinstance(raw, list) and raw and all(isinstance(t, int) for t in raw):
        texts = [" ".join(map(str, raw))]  # one text given as token ids
    elif isinstance(raw, list) and raw:
        texts = [t if isinstance(t, str) else " ".join(map(str, t)) for t in raw]
    else:
        message = "'input' is required: a string or a non-empty array of strings"
        return Response(400, _openai_error(400, message))
    model = body.get("model") or "text-embedding-ada-002"
    dimensions = body.get("dimensions") or (3072 if "3-large" in model else 1536)
    data = []
    for index, text in enumerate(texts):
        vector = embed_text(text, int(dimensions))
        value: Any = vector
        if body.get("encoding_format") == "base64":
            value = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": value})
    tokens = sum(len(_WORD.findall(text)) or 1 for text in texts)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return Response(200, {"object": "list", "data": data, "model": model, "usage": usage})


_MODEL_IDS = ("gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo-instruct", "text-embedding-3-small")


def _models(request: Request, reply: Reply | None) -> Response:
    data = [
        {"id": model, "object": "model", "created": 1700000000, "owned_by": "openai"}
        for model in _MODEL_IDS
    ]
    return Response(200, {"object": "list", "data": data})


# -- errors --------------------------------------------------------------------------------
_ERROR_KINDS = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


def _openai_error(status: int, message: str) -> dict[str, Any]:
    kind, code = _ERROR_KINDS.get(status, ("server_error", None))
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _azure_error(status: int, message: str) -> dict[str, Any]:
    if status == 429 or status >= 500:
        return {"error": {"code": str(status), "message": message}}
    return _openai_error(status, message)


def _fireworks_error(status: int, message: str) -> dict[str, Any]:
    kind, code = _ERROR_KINDS.get(status, ("server_error", None))
    return {"error": {"object": "error", "type": kind, "code": code, "message": message}}


def _error_frames(message: str) -> list[bytes]:
    error = {"message": message, "type": "server_error", "param": None, "code": None}
    return [sse({"error": error})]


# -- routing -------------------------------------------------------------------------------
def _scripted(flavour: Flavour, stream: Any, whole: Any, *, azure_api_key: bool = False) -> Any:
    """A handler answering streamed and whole requests in `flavour` (Azure's when asked)."""

    def handle(request: Request, reply: Reply | None) -> Response | Stream:
        chosen = flavour
        if azure_api_key and "api-key" in request.headers:
            chosen = FLAVOURS["azure"]
        if chosen.azure and "/deployments/" in request.path and "api-version" not in request.query:
            return Response(404, {"error": {"code": "404", "message": "Resource not found"}})
        reply = reply or Reply()
        if (request.json or {}).get("stream"):
            return stream(chosen, request, reply)  # type: ignore[no-any-return]
        return whole(chosen, request, reply)  # type: ignore[no-any-return]

    return handle


def flavour_routes(
    prefix: str, flavour: Flavour | str, *, azure_api_key: bool = False
) -> list[Route]:
    """The chat, completions, embeddings and models routes under `prefix` in `flavour`.

    Args:
        prefix: A regular expression for the path before ``/chat/completions`` etc.
        flavour: A `Flavour` or the name of one in `FLAVOURS`.
        azure_api_key: Answer requests that carry an ``api-key`` header as Azure does.
    """
    kind = FLAVOURS[flavour] if isinstance(flavour, str) else flavour
    errors = {"azure": _azure_error, "fireworks": _fireworks_error}.get(kind.name, _openai_error)
    chat = _scripted(kind, _chat_stream, _chat_whole, azure_api_key=azure_api_key)
    completions = _scripted(
        kind, _completion_stream, _completion_whole, azure_api_key=azure_api_key
    )
    return [
        Route(
            "POST",
            f"{prefix}/chat/completions",
            chat,
            error_body=errors,
            error_frames=_error_frames,
        ),
        Route(
            "POST",
            f"{prefix}/completions",
            completions,
            error_body=errors,
            error_frames=_error_frames,
        ),
        Route("POST", f"{prefix}/embeddings", _embeddings, scripted=False, error_body=errors),
        Route("GET", f"{prefix}/models", _models, scripted=False, error_body=errors),
    ]


ROUTES: list[Route] = [
    *flavour_routes("/v1", "openai"),
    *flavour_routes("/openai/deployments/[^/]+", "azure"),
    *flavour_routes("/openai/v1", "groq", azure_api_key=True),
    *flavour_routes("/inference/v1", "fireworks"),
]
