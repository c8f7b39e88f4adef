"""Vector stores and their retriever (`langchain_core.vectorstores` names)."""

from runnel.vectorstores._base import VectorStore
from runnel.vectorstores._in_memory import InMemoryVectorStore
from runnel.vectorstores._retriever import VectorStoreRetriever

__all__ = ["InMemoryVectorStore", "VectorStore", "VectorStoreRetriever"]
