"""VectorStoreRetriever: a retriever that searches a vector store."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator

from runnel.callbacks.manager import AsyncRunManager, RunManager
from runnel.documents import Document
from runnel.retrievers._base import BaseRetriever
from runnel.vectorstores._base import SEARCH_TYPES, VectorStore, _bad_search_type

__all__ = ["VectorStoreRetriever"]


class VectorStoreRetriever(BaseRetriever):
    """Finds documents in `vectorstore`; made by `VectorStore.as_retriever()`.

    Attributes:
        vectorstore: The store to search.
        search_type: "similarity" (default), "mmr" (relevant yet diverse) or
            "similarity_score_threshold" (only documents scoring at least
            `search_kwargs["score_threshold"]`).
        search_kwargs: Keyword arguments of the search: `k`, `filter`, `fetch_k`,
            `lambda_mult`, `score_threshold`... Keyword arguments given to `invoke`
            override them for one call.
    """

    vectorstore: VectorStore
    search_type: str = "similarity"
    search_kwargs: dict[str, Any] = Field(default_factory=dict)

    allowed_search_types: ClassVar[tuple[str, ...]] = SEARCH_TYPES

    @model_validator(mode="after")
    def _check_search(self) -> VectorStoreRetriever:
        if self.search_type not in self.allowed_search_types:
            raise ValueError(_bad_search_type(self.search_type, self.allowed_search_types))
        if self.search_type == "similarity_score_threshold":
            threshold = self.search_kwargs.get("score_threshold")
            if isinstance(threshold, bool) or not isinstance(threshold, int | float):
                raise ValueError(
                    "search_type 'similarity_score_threshold' needs "
                    "search_kwargs['score_threshold']: a number between 0 and 1"
                )
        return self

    def _get_ls_params(self, **kwargs: Any) -> dict[str, Any]:
        params = super()._get_ls_params(**kwargs)
        params["ls_vector_store_provider"] = type(self.vectorstore).__name__
        embeddings = self.vectorstore.embeddings
        if embeddings is not None:
            params["ls_embedding_provider"] = type(embeddings).__name__
        return params

    def _get_relevant_documents(
        self, query: str, *, run_manager: RunManager, **kwargs: Any
    ) -> list[Document]:
        return self.vectorstore.search(query, self.search_type, **{**self.search_kwargs, **kwargs})

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncRunManager, **kwargs: Any
    ) -> list[Document]:
        return await self.vectorstore.asearch(
            query, self.search_type, **{**self.search_kwargs, **kwargs}
        )

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        """Add documents to the store; their ids."""
        return self.vectorstore.add_documents(documents, **kwargs)

    async def aadd_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        """Async twin of `add_documents`."""
        return await self.vectorstore.aadd_documents(documents, **kwargs)
