"""ToolException: the error a tool raises to report a failure the model should see."""

from __future__ import annotations

from runnel.exceptions import RunnelError

__all__ = ["ToolException"]


class ToolException(RunnelError):
    """A tool failed in a way the model can be told about.

    With the tool's `handle_tool_error` set, the tool returns the error's text (or the
    handler's) instead of raising; called with a `ToolCall`, it returns a `ToolMessage`
    with `status="error"`.
    """
