"""Embedding models (`langchain_core.embeddings` names)."""

from runnel.embeddings._base import Embeddings
from runnel.embeddings._fake import DeterministicFakeEmbedding, FakeEmbeddings

__all__ = ["DeterministicFakeEmbedding", "Embeddings", "FakeEmbeddings"]
