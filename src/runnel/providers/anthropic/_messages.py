"""runnel messages as the ``system`` and ``messages`` of an Anthropic Messages request.

* System messages become the ``system`` parameter (a string, or text blocks when there
  are several or they carry blocks such as ``cache_control``).
* Human messages are ``user`` turns; AI messages ``assistant`` turns whose ``tool_calls``
  become ``tool_use`` blocks; tool messages ``tool_result`` blocks in a ``user`` turn.
  Consecutive user turns (a human message after tool results...) are merged into one, as
  the API requires turns to alternate.
* Content blocks are sent in Anthropic's format: OpenAI-style ``image_url`` blocks and
  LangChain's standard ``image`` blocks (base64 or URL) become Anthropic image blocks, and
  what streaming left on blocks (``index``, ``partial_json``, empty text) is removed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from runnel.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

__all__ = ["format_messages"]

_DATA_URL = re.compile(r"^data:(?P<media_type>[^;]+);base64,(?P<data>.+)$", re.DOTALL)
_ROLES = {"human": "user", "user": "user", "ai": "assistant", "assistant": "assistant"}
_STREAM_KEYS = frozenset({"index", "partial_json"})


def format_messages(
    messages: Sequence[BaseMessage],
) -> tuple[str | list[dict[str, Any]] | None, list[dict[str, Any]]]:
    """The ``system`` parameter and the ``messages`` list for `messages`.

    Raises:
        ValueError: a message of a role Anthropic has no turn for, or content that is
            neither a string nor a list of blocks.
    """
    system: list[dict[str, Any]] = []
    pending: list[tuple[str, str | list[dict[str, Any]]]] = []
    for message in messages:
        if isinstance(message, SystemMessage) or (
            isinstance(message, ChatMessage) and message.role == "system"
        ):
            system.extend(_blocks(message.content))
        else:
            pending.append(_turn(message))
    last = len(pending) - 1  # an empty assistant turn is only allowed last
    turns: list[dict[str, Any]] = []
    for i, (role, content) in enumerate(pending):
        if role == "assistant" and not content and i != last:
            continue
        if turns and turns[-1]["role"] == role == "user":
            turns[-1]["content"] = _as_blocks(turns[-1]["content"]) + _as_blocks(content)
        else:
            turns.append({"role": role, "content": content})
    _trim_final_assistant(turns)
    return _system(system), turns


def _system(blocks: list[dict[str, Any]]) -> str | list[dict[str, Any]] | None:
    if not blocks:
        return None
    if len(blocks) == 1 and set(blocks[0]) == {"type", "text"}:
        return str(blocks[0]["text"])
    return blocks


def _turn(message: BaseMessage) -> tuple[str, str | list[dict[str, Any]]]:
    if isinstance(message, ToolMessage):
        return "user", [_tool_result(message)]
    if isinstance(message, AIMessage):
        return "assistant", _assistant_content(message)
    if isinstance(message, HumanMessage):
        return "user", _content(message.content)
    role = _ROLES.get(message.role if isinstance(message, ChatMessage) else message.type)
    if role is None:
        raise ValueError(
            f"Anthropic has no turn for a {type(message).__name__} of type {message.type!r}: "
            "use system, human, ai or tool messages"
        )
    return role, _content(message.content)


def _content(content: Any) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    return _blocks(content)


def _as_blocks(content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return content


def _blocks(content: Any) -> list[dict[str, Any]]:
    """Content (a string or a list of strings and blocks) as Anthropic content blocks."""
    if isinstance(content, str):
        return _as_blocks(content)
    if not isinstance(content, list):
        raise ValueError(
            f"Anthropic message content must be a string or a list of blocks, "
            f"not {type(content).__name__}"
        )
    out: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            out.extend(_as_blocks(block))
        elif isinstance(block, dict):
            formatted = _block(block)
            if formatted is not None:
                out.append(formatted)
        else:
            raise ValueError(
                f"Anthropic content blocks must be strings or dicts, not {type(block).__name__}"
            )
    return out


def _block(block: dict[str, Any]) -> dict[str, Any] | None:
    """One content block in Anthropic's format (None: nothing to send)."""
    kind = block.get("type")
    if kind is None:
        raise ValueError(f"a content block needs a 'type': {block!r}")
    if kind == "text":
        if not str(block.get("text", "")).strip():
            return None  # the API rejects empty text blocks
        out = {k: v for k, v in block.items() if k not in _STREAM_KEYS}
        if not out.get("citations"):
            out.pop("citations", None)
        return out
    if kind == "image_url":
        url = (
            block["image_url"]["url"]
            if isinstance(block["image_url"], dict)
            else block["image_url"]
        )
        return {"type": "image", "source": _image_source(str(url))}
    if kind == "image" and "source" not in block:
        return {"type": "image", "source": _standard_image_source(block)}
    if kind == "tool_result":
        out = {k: v for k, v in block.items() if k not in _STREAM_KEYS}
        if not isinstance(out.get("content"), str | type(None)):
            out["content"] = _blocks(out["content"])
        return out
    if kind == "input_json_delta":
        return None  # a streamed piece of a tool_use block
    if kind == "tool_use" and not block.get("input") and block.get("partial_json"):
        args = _loose_args(block["partial_json"])  # a block added up from a stream
        return {**{k: v for k, v in block.items() if k not in _STREAM_KEYS}, "input": args}
    return {k: v for k, v in block.items() if k not in _STREAM_KEYS}


def _image_source(url: str) -> dict[str, Any]:
    match = _DATA_URL.match(url)
    if match:
        return {"type": "base64", "media_type": match["media_type"], "data": match["data"]}
    if url.startswith(("http://", "https://")):
        return {"type": "url", "url": url}
    raise ValueError(
        "an image must be an http(s) URL or a base64 data URL "
        f"('data:image/png;base64,...'), not {url[:40]!r}"
    )


def _standard_image_source(block: dict[str, Any]) -> dict[str, Any]:
    """LangChain's standard image blocks (``base64``/``url``, or ``source_type`` + ``data``)."""
    media_type = block.get("mime_type") or block.get("media_type")
    data = block.get("base64")
    if data is None and block.get("source_type") == "base64":
        data = block.get("data")
    if data is not None:
        if not media_type:
            raise ValueError("a base64 image block needs a 'mime_type'")
        return {"type": "base64", "media_type": media_type, "data": data}
    url = block.get("url")
    if url is None and block.get("source_type") == "url":
        url = block.get("data")
    if url is None:
        raise ValueError(f"an image block needs 'base64' or 'url': {sorted(block)}")
    return _image_source(str(url))


def _assistant_content(message: AIMessage) -> str | list[dict[str, Any]]:
    calls = {call["id"]: call for call in message.tool_calls if call["id"]}
    if not message.tool_calls and not message.invalid_tool_calls:
        return _content(message.content)
    blocks: list[dict[str, Any]] = []
    sent: set[str] = set()
    for block in _blocks(message.content):
        if block.get("type") == "tool_use":
            call = calls.get(block["id"])
            args = call["args"] if call is not None else block.get("input") or {}
            block = _tool_use(block["id"], block["name"], args)
            sent.add(block["id"])
        blocks.append(block)
    for call in message.tool_calls:
        if call["id"] not in sent:
            blocks.append(_tool_use(call["id"] or "", call["name"], call["args"]))
    for invalid in message.invalid_tool_calls:
        if invalid["id"] and invalid["name"] and invalid["id"] not in sent:
            blocks.append(_tool_use(invalid["id"], invalid["name"], _loose_args(invalid["args"])))
    return blocks


def _tool_use(call_id: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_use", "id": call_id, "name": name, "input": args}


def _loose_args(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _tool_result(message: ToolMessage) -> dict[str, Any]:
    content = message.content
    result: dict[str, Any] = {
        "type": "tool_result",
        "tool_use_id": message.tool_call_id,
        "content": content if isinstance(content, str) else _blocks(content),
    }
    if message.status == "error":
        result["is_error"] = True
    return result


def _trim_final_assistant(turns: list[dict[str, Any]]) -> None:
    """The API rejects a final assistant turn (a prefill) that ends with whitespace."""
    if not turns or turns[-1]["role"] != "assistant":
        return
    content = turns[-1]["content"]
    if isinstance(content, str):
        turns[-1]["content"] = content.rstrip()
    elif content and content[-1].get("type") == "text":
        content[-1] = {**content[-1], "text": content[-1]["text"].rstrip()}
