"""A whole (non-streamed) Anthropic message as a `ChatResult`."""

from __future__ import annotations

from typing import Any

from runnel.messages import AIMessage, tool_call
from runnel.outputs import ChatGeneration, ChatResult
from runnel.providers.anthropic._stream import PROVIDER
from runnel.providers.anthropic._usage import usage_metadata

__all__ = ["chat_result"]


def chat_result(message: Any) -> ChatResult:
    """The `ChatResult` of an SDK ``Message`` (or its dict).

    The content is a string when the message is one text block (as LangChain's
    ChatAnthropic does), else the list of blocks; ``tool_use`` blocks are also its
    ``tool_calls``. The response metadata has the message's ``id``, ``model`` (and
    ``model_name``), ``stop_reason``, ``stop_sequence`` and raw ``usage``.
    """
    data = message if isinstance(message, dict) else message.to_dict()
    blocks: list[dict[str, Any]] = []
    for block in data.get("content") or []:
        if block.get("type") == "text" and not block.get("citations"):
            block = {k: v for k, v in block.items() if k != "citations"}
        blocks.append(block)
    content: Any
    if len(blocks) == 1 and blocks[0].get("type") == "text" and "citations" not in blocks[0]:
        content = blocks[0].get("text", "")
    else:
        content = blocks
    calls = [
        tool_call(name=b["name"], args=b.get("input") or {}, id=b.get("id"))
        for b in blocks
        if b.get("type") == "tool_use"
    ]
    metadata = {k: v for k, v in data.items() if k not in ("content", "role", "type")}
    if "model" in metadata:
        metadata["model_name"] = metadata["model"]
    metadata["model_provider"] = PROVIDER
    usage = data.get("usage")
    answer = AIMessage(
        content,
        tool_calls=calls,
        response_metadata=metadata,
        usage_metadata=usage_metadata(usage) if usage else None,
    )
    return ChatResult(generations=[ChatGeneration(message=answer)])
