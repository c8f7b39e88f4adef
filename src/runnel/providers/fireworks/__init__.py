"""Fireworks AI (``pip install "runnel[fireworks]"``): `ChatFireworks`, through the OpenAI SDK."""

from runnel.providers.fireworks._chat import ChatFireworks

__all__ = ["ChatFireworks"]
