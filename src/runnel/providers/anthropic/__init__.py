"""Anthropic's Claude models: `ChatAnthropic` (``pip install "runnel[anthropic]"``).

Built on the official ``anthropic`` SDK, streaming the Messages API token by token.
"""

from runnel.providers.anthropic._chat import ChatAnthropic
from runnel.providers.anthropic._tools import convert_to_anthropic_tool

__all__ = ["ChatAnthropic", "convert_to_anthropic_tool"]
