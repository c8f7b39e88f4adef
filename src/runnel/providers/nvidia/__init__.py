"""NVIDIA (``pip install "runnel[nvidia]"``): `ChatNVIDIA`, through the OpenAI SDK."""

from runnel.providers.nvidia._chat import ChatNVIDIA

__all__ = ["ChatNVIDIA"]
