"""Embeddings: the interface of text embedding models."""

from __future__ import annotations

from abc import ABC, abstractmethod

import anyio.to_thread

__all__ = ["Embeddings"]


class Embeddings(ABC):
    """Turns texts into vectors of floats; documents and queries may be embedded differently.

    Implement `embed_documents` and `embed_query`; the async twins run them in a worker
    thread unless overridden.
    """

    @abstractmethod
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed each of `texts` (for storage); one vector per text, in order."""

    @abstractmethod
    def embed_query(self, text: str) -> list[float]:
        """Embed a search query."""

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async twin of `embed_documents`."""
        return await anyio.to_thread.run_sync(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        """Async twin of `embed_query`."""
        return await anyio.to_thread.run_sync(self.embed_query, text)
