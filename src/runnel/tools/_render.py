"""Tools as text, for prompts of models without native tool calling."""

from __future__ import annotations

import inspect
from collections.abc import Sequence

from runnel.tools._base import BaseTool

__all__ = ["render_text_description", "render_text_description_and_args"]


def _signature(tool: BaseTool) -> str:
    func = getattr(tool, "func", None) or getattr(tool, "coroutine", None)
    if func is None:
        return ""
    try:
        return str(inspect.signature(func, eval_str=True))
    except Exception:  # unresolvable annotations: show them as written
        try:
            return str(inspect.signature(func))
        except (TypeError, ValueError):
            return ""


def render_text_description(tools: Sequence[BaseTool]) -> str:
    """One line per tool: `name(signature) - description` (the signature when known)."""
    return "\n".join(f"{tool.name}{_signature(tool)} - {tool.description}" for tool in tools)


def render_text_description_and_args(tools: Sequence[BaseTool]) -> str:
    """One line per tool: `name - description, args: {json schema of each argument}`."""
    return "\n".join(f"{tool.name} - {tool.description}, args: {tool.args}" for tool in tools)
