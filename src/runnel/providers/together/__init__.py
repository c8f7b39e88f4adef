"""Together AI (``pip install "runnel[together]"``): `ChatTogether`, through the OpenAI SDK."""

from runnel.providers.together._chat import ChatTogether

__all__ = ["ChatTogether"]
