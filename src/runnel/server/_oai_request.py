"""Reading an OpenAI Chat Completions request body.

Every documented request field is accepted; unknown top-level keys are ignored (Open WebUI
and other proxies add their own). Only what a served chain can honour is read: the
messages, `stream`, `stream_options.include_usage`, `n` (must be 1), `model` (echoed) and
the sampling options, which reach the chain only when it declares a configurable field of
the same name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runnel.messages import BaseMessage, convert_to_messages
from runnel.server._errors import HTTPProblem

__all__ = ["SAMPLING_OPTIONS", "ChatCompletionRequest", "parse_chat_request"]

SAMPLING_OPTIONS = (
    "frequency_penalty",
    "max_completion_tokens",
    "max_tokens",
    "presence_penalty",
    "reasoning_effort",
    "seed",
    "stop",
    "temperature",
    "top_p",
)
"""Request options passed to a chain that declares a configurable field of the same name."""

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})


@dataclass(frozen=True, slots=True)
class ChatCompletionRequest:
    """What runnel reads from a Chat Completions request.

    Attributes:
        messages: The conversation, as runnel messages.
        model: The requested model id (None if absent).
        stream: Answer with server-sent chunks.
        include_usage: Send a final chunk with the token usage (`stream_options`).
        options: The sampling options the request set (see `SAMPLING_OPTIONS`).
    """

    messages: list[BaseMessage]
    model: str | None = None
    stream: bool = False
    include_usage: bool = False
    options: dict[str, Any] = field(default_factory=dict)


def _problem(message: str, param: str | None) -> HTTPProblem:
    return HTTPProblem(400, message, type="invalid_request_error", detail={"param": param})


def parse_chat_request(body: Any) -> ChatCompletionRequest:
    """Read a Chat Completions request body.

    Raises:
        HTTPProblem: 400 (`invalid_request_error`, with the offending `param`) for a body
            that is not an object, missing or malformed `messages`, a non-boolean `stream`,
            or `n` other than 1.
    """
    if not isinstance(body, Mapping):
        raise _problem("The request body must be a JSON object.", None)
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise _problem("'stream' must be a boolean.", "stream")
    n = body.get("n")
    if n is not None and n != 1:
        raise _problem("Only n=1 is supported: a served chain gives one answer.", "n")
    stream_options = body.get("stream_options")
    if stream_options is not None and not isinstance(stream_options, Mapping):
        raise _problem("'stream_options' must be an object.", "stream_options")
    model = body.get("model")
    return ChatCompletionRequest(
        messages=_messages(body.get("messages")),
        model=model if isinstance(model, str) else None,
        stream=bool(stream),
        include_usage=bool(stream and stream_options and stream_options.get("include_usage")),
        options={k: body[k] for k in SAMPLING_OPTIONS if body.get(k) is not None},
    )


def _messages(raw: Any) -> list[BaseMessage]:
    if not isinstance(raw, list) or not raw:
        raise _problem("'messages' must be a non-empty array of messages.", "messages")
    out: list[BaseMessage] = []
    for position, message in enumerate(raw):
        param = f"messages[{position}]"
        if not isinstance(message, Mapping):
            raise _problem(f"{param} must be an object.", param)
        role = message.get("role")
        if role not in _ROLES:
            raise _problem(
                f"{param}.role must be one of {', '.join(sorted(_ROLES))}, got {role!r}.",
                f"{param}.role",
            )
        fields = {k: v for k, v in message.items() if v is not None or k == "content"}
        fields.setdefault("content", None)
        if role == "assistant":
            fields.pop("refusal", None)
            fields.pop("audio", None)
            fields.pop("function_call", None)
        try:
            out.extend(convert_to_messages([fields]))
        except (ValueError, TypeError) as exc:
            raise _problem(f"{param} is not a valid message: {exc}", param) from None
    return out
