"""Retrievers (`langchain_core.retrievers` names).

`VectorStoreRetriever` lives in `runnel.vectorstores` (as in LangChain) and is re-exported
here; it is imported on first use, so that importing this package does not load NumPy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runnel.retrievers._base import BaseRetriever, RetrieverInput, RetrieverOutput

if TYPE_CHECKING:
    from runnel.vectorstores import VectorStoreRetriever

__all__ = ["BaseRetriever", "RetrieverInput", "RetrieverOutput", "VectorStoreRetriever"]


def __getattr__(name: str) -> Any:
    if name == "VectorStoreRetriever":
        from runnel.vectorstores import VectorStoreRetriever

        return VectorStoreRetriever
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
