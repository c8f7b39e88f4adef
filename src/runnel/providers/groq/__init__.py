"""Groq (``pip install "runnel[groq]"``): `ChatGroq`, through the OpenAI SDK."""

from runnel.providers.groq._chat import ChatGroq

__all__ = ["ChatGroq"]
