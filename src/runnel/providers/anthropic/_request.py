"""The arguments of one ``messages.create`` call, as the installed SDK accepts them."""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

from runnel.providers._keys import import_sdk

__all__ = ["needs_blocks", "output_format", "sdk_arguments"]


@cache
def _accepted() -> frozenset[str]:
    """The parameter names ``Messages.create`` of the installed SDK takes."""
    sdk = import_sdk("anthropic.resources.messages", extra="anthropic")
    return frozenset(inspect.signature(sdk.Messages.create).parameters) - {"self"}


def sdk_arguments(params: dict[str, Any]) -> dict[str, Any]:
    """`params` (the request's JSON fields) as ``messages.create`` keyword arguments.

    Fields the installed SDK has no argument for go in ``extra_body``, which it sends as
    given: anthropic 2.x dropped ``temperature``, ``top_k`` and ``top_p`` from its
    signature, while the API still reads them.
    """
    accepted = _accepted()
    arguments: dict[str, Any] = {}
    extra: dict[str, Any] = dict(params.get("extra_body") or {})
    for name, value in params.items():
        if name == "extra_body":
            continue
        if name in accepted:
            arguments[name] = value
        else:
            extra[name] = value
    if extra:
        arguments["extra_body"] = extra
    return arguments


def output_format(response_format: dict[str, Any]) -> dict[str, Any]:
    """Anthropic's ``output_config.format`` for an OpenAI-style ``response_format``.

    `with_structured_output(method="json_schema")` binds ``response_format``; Anthropic
    asks for ``{"type": "json_schema", "schema": ...}``, with the schema made acceptable
    to its structured outputs by the SDK's ``transform_schema`` when it has one.

    Raises:
        ValueError: the format is not a JSON schema (Anthropic has no JSON mode).
    """
    spec = response_format.get("json_schema")
    if response_format.get("type") != "json_schema" or not isinstance(spec, dict):
        raise ValueError(
            f"Anthropic cannot answer with response_format {response_format!r}: it has no "
            "JSON mode. Use with_structured_output(schema, method='json_schema') or the "
            "default method='function_calling'."
        )
    schema = spec.get("schema") or {"type": "object", "properties": {}}
    transform = getattr(import_sdk("anthropic", extra="anthropic"), "transform_schema", None)
    return {"type": "json_schema", "schema": transform(schema) if transform else schema}


def needs_blocks(params: dict[str, Any]) -> bool:
    """Whether the answer may hold more than text, so its content is a list of blocks.

    As in LangChain: with tools, extended thinking or documents with citations.
    """
    if params.get("tools"):
        return True
    thinking = params.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive"):
        return True
    for message in params.get("messages") or ():
        content = message.get("content")
        if isinstance(content, list) and any(
            block.get("type") == "document" and (block.get("citations") or {}).get("enabled")
            for block in content
            if isinstance(block, dict)
        ):
            return True
    return False
