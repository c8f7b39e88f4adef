"""Fake embedding models for tests: random vectors, or vectors derived from a hash of the text."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from runnel.embeddings._base import Embeddings

__all__ = ["DeterministicFakeEmbedding", "FakeEmbeddings"]


class _SizedEmbedding(BaseModel, Embeddings):
    size: int = Field(gt=0, description="The length of every vector.")

    def __init__(self, size: int | None = None, **kwargs: Any) -> None:
        if size is not None:
            kwargs["size"] = size
        super().__init__(**kwargs)

    def _vector(self, text: str) -> list[float]:
        raise NotImplementedError

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed each of `texts`."""
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed a query."""
        return self._vector(text)

    # Pure computation: no worker thread.
    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed each of `texts`."""
        return self.embed_documents(texts)

    async def aembed_query(self, text: str) -> list[float]:
        """Embed a query."""
        return self.embed_query(text)


class FakeEmbeddings(_SizedEmbedding):
    """Random vectors of `size` floats: a new vector on every call, even for the same text."""

    def _vector(self, text: str) -> list[float]:
        return [float(x) for x in np.random.default_rng().normal(size=self.size)]


class DeterministicFakeEmbedding(_SizedEmbedding):
    """Vectors of `size` floats drawn from a generator seeded by the text's SHA-256.

    The same text always gives the same vector (across runs and processes), so a stored
    text is its own nearest neighbour.
    """

    def _vector(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
        return [float(x) for x in np.random.default_rng(seed).normal(size=self.size)]
