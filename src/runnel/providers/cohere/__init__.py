"""Cohere chat models (``pip install "runnel[cohere]"``).

`ChatCohere` streams Cohere's v2 chat API through the official ``cohere`` SDK; the key
comes from ``COHERE_API_KEY`` or ``api_key=``. See docs/providers/cohere.md.
"""

from runnel.providers.cohere._chat import ChatCohere

__all__ = ["ChatCohere"]
