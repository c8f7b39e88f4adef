"""Vector stores and their retriever (`langchain_core.vectorstores` names, plus `FAISS`).

`FAISS` is imported on first use: importing this package needs neither faiss nor the
FAISS module; using `FAISS` without faiss-cpu raises an ImportError saying
`pip install "runnel[faiss]"`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runnel.vectorstores._base import VectorStore
from runnel.vectorstores._in_memory import InMemoryVectorStore
from runnel.vectorstores._retriever import VectorStoreRetriever
from runnel.vectorstores.utils import DistanceStrategy

if TYPE_CHECKING:
    from runnel.vectorstores._faiss import FAISS

__all__ = [
    "FAISS",
    "DistanceStrategy",
    "InMemoryVectorStore",
    "VectorStore",
    "VectorStoreRetriever",
]


def __getattr__(name: str) -> Any:
    if name == "FAISS":
        from runnel.vectorstores._faiss import FAISS

        return FAISS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
