"""A whole (non-streamed) Chat Completions response as a `ChatResult`."""

from __future__ import annotations

import json
from typing import Any

from runnel.exceptions import ProviderError
from runnel.messages import AIMessage, InvalidToolCall, ToolCall, invalid_tool_call, tool_call
from runnel.outputs import ChatGeneration, ChatResult
from runnel.providers.openai._usage import to_usage

__all__ = ["chat_result"]

_FINISH_WORDS = {"eos": "stop"}


def chat_result(data: Any, *, provider: str, model_provider: str) -> ChatResult:
    """The `ChatResult` of a ``chat.completion`` object (its first choice).

    The message's ``response_metadata`` gets what LangChain puts there: ``token_usage``,
    ``model_provider``, ``model_name``, ``system_fingerprint``, ``id``, ``finish_reason``
    (and ``service_tier``, ``logprobs`` when given).

    Raises:
        ProviderError: the body holds an error or no choices.
    """
    if not isinstance(data, dict) or data.get("error") or not data.get("choices"):
        error = data.get("error") if isinstance(data, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        raise ProviderError(
            f"the response has no answer: {message or str(data)[:200]}",
            provider=provider,
            body=data,
        )
    choice = data["choices"][0]
    raw = choice.get("message") or {}
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for call in raw.get("tool_calls") or []:
        function = call.get("function") or {}
        try:
            args = json.loads(function.get("arguments") or "{}")
        except ValueError as error:
            args, reason = None, f"arguments are not JSON: {error}"
        else:
            reason = "arguments are not a JSON object"
        if isinstance(args, dict):
            calls.append(tool_call(name=function.get("name") or "", args=args, id=call.get("id")))
        else:
            invalid.append(
                invalid_tool_call(
                    name=function.get("name"),
                    args=function.get("arguments"),
                    id=call.get("id"),
                    error=reason,
                )
            )
    extra: dict[str, Any] = {}
    for key in ("refusal", "reasoning_content", "reasoning"):
        if raw.get(key):
            extra["reasoning_content" if key == "reasoning" else key] = raw[key]
    usage = data.get("usage")
    message = AIMessage(
        raw.get("content") or "",
        additional_kwargs=extra,
        tool_calls=calls,
        invalid_tool_calls=invalid,
        usage_metadata=to_usage(usage) if usage else None,
    )
    finish = choice.get("finish_reason")
    info: dict[str, Any] = {"finish_reason": _FINISH_WORDS.get(finish, finish)}
    if choice.get("logprobs"):
        info["logprobs"] = choice["logprobs"]
    llm_output: dict[str, Any] = {
        "token_usage": usage,
        "model_provider": model_provider,
        "model_name": data.get("model"),
        "system_fingerprint": data.get("system_fingerprint") or "",
    }
    for key in ("id", "service_tier"):
        if data.get(key):
            llm_output[key] = data[key]
    return ChatResult(
        generations=[ChatGeneration(message=message, generation_info=info)],
        llm_output=llm_output,
    )
