"""Local models served by Ollama (``pip install "runnel[ollama]"``).

`ChatOllama` streams Ollama's native ``/api/chat`` (NDJSON) with ``httpx``; no key is
needed. See docs/providers/ollama.md.
"""

from runnel.providers.ollama._chat import ChatOllama, OllamaResponseError

__all__ = ["ChatOllama", "OllamaResponseError"]
