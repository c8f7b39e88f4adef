"""Retrievers (`langchain_core.retrievers` names, plus BM25 and ensemble retrieval).

`VectorStoreRetriever` lives in `runnel.vectorstores` (as in LangChain) and is re-exported
here; it is imported on first use, so that importing this package does not load NumPy.
`BM25Retriever` (`langchain_community.retrievers`) and `EnsembleRetriever`
(`langchain.retrievers`) need no extra package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runnel.retrievers._base import BaseRetriever, RetrieverInput, RetrieverOutput
from runnel.retrievers._bm25 import BM25Index, BM25Retriever, default_preprocessing_func
from runnel.retrievers._ensemble import EnsembleRetriever, weighted_reciprocal_rank

if TYPE_CHECKING:
    from runnel.vectorstores import VectorStoreRetriever

__all__ = [
    "BM25Index",
    "BM25Retriever",
    "BaseRetriever",
    "EnsembleRetriever",
    "RetrieverInput",
    "RetrieverOutput",
    "VectorStoreRetriever",
    "default_preprocessing_func",
    "weighted_reciprocal_rank",
]


def __getattr__(name: str) -> Any:
    if name == "VectorStoreRetriever":
        from runnel.vectorstores import VectorStoreRetriever

        return VectorStoreRetriever
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
