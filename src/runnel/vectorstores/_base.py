"""VectorStore: the interface of stores that search documents by embedding similarity."""

from __future__ import annotations

import functools
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

import anyio.to_thread

from runnel.documents import Document

if TYPE_CHECKING:
    from runnel.embeddings import Embeddings
    from runnel.vectorstores._retriever import VectorStoreRetriever

__all__ = ["VectorStore", "check_k", "check_mmr"]

T = TypeVar("T")

SEARCH_TYPES: tuple[str, ...] = ("similarity", "similarity_score_threshold", "mmr")


def check_k(k: int, name: str = "k") -> None:
    """Reject a non-positive number of results.

    Raises:
        ValueError: `k` is not a positive integer.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k <= 0:
        raise ValueError(f"{name} must be a positive integer (the number of results), got {k!r}")


def check_mmr(k: int, fetch_k: int, lambda_mult: float) -> None:
    """Reject MMR arguments out of range, before any search.

    Raises:
        ValueError: `lambda_mult` is outside [0, 1], or `k` or `fetch_k` is not a positive
            integer.
    """
    if not 0.0 <= lambda_mult <= 1.0:
        raise ValueError(f"lambda_mult must be between 0 and 1, got {lambda_mult}")
    check_k(k)
    check_k(fetch_k, "fetch_k")


class VectorStore(ABC):
    """Stores documents with their embeddings and finds those most similar to a query.

    Implement `similarity_search`, `from_texts` and one of `add_texts`/`add_documents`
    (each defaults to the other); the other searches are optional. A store with an
    `embeddings` model that implements `similarity_search_with_score_by_vector` (and
    `max_marginal_relevance_search_by_vector`) gets the query searches, with scores, by
    vector and MMR, from them: the query is embedded with `embed_query` (`aembed_query` in
    the async twins). Every method has an async twin (`a` prefix) that runs the sync one in
    a worker thread unless overridden, or directly where `_blocking` is False.
    """

    allowed_search_types: ClassVar[tuple[str, ...]] = SEARCH_TYPES
    _blocking: ClassVar[bool] = True
    """False: the sync methods never wait on I/O, and async twins call them directly."""

    @property
    def embeddings(self) -> Embeddings | None:
        """The embedding model, if the store exposes it."""
        return None

    def _overrides(self, name: str) -> bool:
        return getattr(type(self), name) is not getattr(VectorStore, name)

    @classmethod
    async def _run(cls, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a sync method for its async twin: in a worker thread if it may block."""
        if not cls._blocking:
            return func(*args, **kwargs)
        return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs))

    def _query_model(self) -> Embeddings:
        if self.embeddings is None:
            raise NotImplementedError(
                f"{type(self).__name__} has no embedding model to embed the query"
            )
        return self.embeddings

    # -- writing ---------------------------------------------------------------------
    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Embed and store `texts` (with `metadatas` and `ids` if given); the stored ids."""
        if not self._overrides("add_documents"):
            raise NotImplementedError(
                f"{type(self).__name__} implements neither add_texts nor add_documents"
            )
        return self.add_documents(_documents(texts, metadatas, ids), **kwargs)

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        """Embed and store `documents`; the stored ids (`ids=` or each document's `id`)."""
        if not self._overrides("add_texts"):
            raise NotImplementedError(
                f"{type(self).__name__} implements neither add_texts nor add_documents"
            )
        texts, metadatas, ids = _columns(documents, kwargs.pop("ids", None))
        return self.add_texts(texts, metadatas, ids=ids, **kwargs)

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        """Delete the documents with these ids."""
        raise NotImplementedError(f"{type(self).__name__} does not support delete")

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """The stored documents with these ids, in that order; unknown ids are skipped."""
        raise NotImplementedError(f"{type(self).__name__} does not support get_by_ids")

    # -- searching -------------------------------------------------------------------
    @abstractmethod
    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        """The `k` documents most similar to `query`, most similar first."""

    def similarity_search_with_score(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Like `similarity_search`, with each document's score (the store's own measure)."""
        if not self._overrides("similarity_search_with_score_by_vector"):
            raise NotImplementedError(f"{type(self).__name__} does not support scores")
        embedding = self._query_model().embed_query(query)
        return self.similarity_search_with_score_by_vector(embedding, k, **kwargs)

    def similarity_search_with_score_by_vector(
        self, embedding: list[float], k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """The `k` documents most similar to an embedding vector, with their scores."""
        raise NotImplementedError(f"{type(self).__name__} does not support search by vector")

    def similarity_search_by_vector(
        self, embedding: list[float], k: int = 4, **kwargs: Any
    ) -> list[Document]:
        """The `k` documents most similar to an embedding vector."""
        scored = self.similarity_search_with_score_by_vector(embedding, k, **kwargs)
        return [doc for doc, _ in scored]

    def max_marginal_relevance_search(
        self, query: str, k: int = 4, fetch_k: int = 20, lambda_mult: float = 0.5, **kwargs: Any
    ) -> list[Document]:
        """`k` documents relevant to `query` yet diverse, chosen among the `fetch_k` closest.

        `lambda_mult` runs from 0 (most diverse) to 1 (most similar).
        """
        if not self._overrides("max_marginal_relevance_search_by_vector"):
            raise NotImplementedError(f"{type(self).__name__} does not support MMR search")
        embedding = self._query_model().embed_query(query)
        return self.max_marginal_relevance_search_by_vector(
            embedding, k, fetch_k, lambda_mult, **kwargs
        )

    def max_marginal_relevance_search_by_vector(
        self,
        embedding: list[float],
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        **kwargs: Any,
    ) -> list[Document]:
        """`max_marginal_relevance_search` for an embedding vector."""
        raise NotImplementedError(f"{type(self).__name__} does not support MMR search")

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        """The function turning this store's scores into relevance scores in [0, 1]."""
        raise NotImplementedError(f"{type(self).__name__} has no relevance score function")

    def similarity_search_with_relevance_scores(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Like `similarity_search_with_score` with scores in [0, 1] (1 most relevant).

        `score_threshold=` drops the documents scoring below it.
        """
        threshold = kwargs.pop("score_threshold", None)
        relevance = self._select_relevance_score_fn()
        scored = self.similarity_search_with_score(query, k, **kwargs)
        return _relevant(scored, relevance, threshold)

    def search(self, query: str, search_type: str, **kwargs: Any) -> list[Document]:
        """Search by `search_type`: "similarity", "similarity_score_threshold" or "mmr".

        Raises:
            ValueError: unknown `search_type`.
        """
        if search_type == "similarity":
            return self.similarity_search(query, **kwargs)
        if search_type == "similarity_score_threshold":
            scored = self.similarity_search_with_relevance_scores(query, **kwargs)
            return [doc for doc, _ in scored]
        if search_type == "mmr":
            return self.max_marginal_relevance_search(query, **kwargs)
        raise ValueError(_bad_search_type(search_type, self.allowed_search_types))

    # -- building --------------------------------------------------------------------
    @classmethod
    @abstractmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> Self:
        """A new store holding `texts`, embedded with `embedding`."""

    @classmethod
    def from_documents(
        cls, documents: list[Document], embedding: Embeddings, **kwargs: Any
    ) -> Self:
        """A new store holding `documents`, embedded with `embedding`."""
        texts, metadatas, ids = _columns(documents, kwargs.pop("ids", None))
        return cls.from_texts(texts, embedding, metadatas, ids=ids, **kwargs)

    def as_retriever(self, **kwargs: Any) -> VectorStoreRetriever:
        """A retriever searching this store.

        Args:
            **kwargs: `search_type` ("similarity", "mmr" or "similarity_score_threshold"),
                `search_kwargs` (e.g. `{"k": 2}`, `{"score_threshold": 0.8}`, `{"filter":
                ...}`), `tags` (default: the store's and the embedding's class names) and
                any other `VectorStoreRetriever` field.

        Raises:
            ValueError: unknown `search_type`, or a threshold search without a threshold.
        """
        from runnel.vectorstores._retriever import VectorStoreRetriever

        tags = kwargs.pop("tags", None) or self._retriever_tags()
        return VectorStoreRetriever(vectorstore=self, tags=tags, **kwargs)

    def _retriever_tags(self) -> list[str]:
        tags = [type(self).__name__]
        if self.embeddings is not None:
            tags.append(type(self.embeddings).__name__)
        return tags

    # -- async twins -----------------------------------------------------------------
    async def aadd_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Async twin of `add_texts`."""
        if self._overrides("aadd_documents"):
            return await self.aadd_documents(_documents(texts, metadatas, ids), **kwargs)
        return await self._run(self.add_texts, list(texts), metadatas, ids=ids, **kwargs)

    async def aadd_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        """Async twin of `add_documents`."""
        if self._overrides("aadd_texts"):
            texts, metadatas, ids = _columns(documents, kwargs.pop("ids", None))
            return await self.aadd_texts(texts, metadatas, ids=ids, **kwargs)
        return await self._run(self.add_documents, documents, **kwargs)

    async def adelete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        """Async twin of `delete`."""
        return await self._run(self.delete, ids, **kwargs)

    async def aget_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """Async twin of `get_by_ids`."""
        return await self._run(self.get_by_ids, ids)

    async def asimilarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        """Async twin of `similarity_search`."""
        return await self._run(self.similarity_search, query, k, **kwargs)

    async def asimilarity_search_with_score(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Async twin of `similarity_search_with_score`."""
        if not self._overrides("similarity_search_with_score_by_vector"):
            return await self._run(self.similarity_search_with_score, query, k, **kwargs)
        embedding = await self._query_model().aembed_query(query)
        return await self.asimilarity_search_with_score_by_vector(embedding, k, **kwargs)

    async def asimilarity_search_with_score_by_vector(
        self, embedding: list[float], k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Async twin of `similarity_search_with_score_by_vector`."""
        return await self._run(self.similarity_search_with_score_by_vector, embedding, k, **kwargs)

    async def asimilarity_search_by_vector(
        self, embedding: list[float], k: int = 4, **kwargs: Any
    ) -> list[Document]:
        """Async twin of `similarity_search_by_vector`."""
        return await self._run(self.similarity_search_by_vector, embedding, k, **kwargs)

    async def amax_marginal_relevance_search(
        self, query: str, k: int = 4, fetch_k: int = 20, lambda_mult: float = 0.5, **kwargs: Any
    ) -> list[Document]:
        """Async twin of `max_marginal_relevance_search`."""
        if not self._overrides("max_marginal_relevance_search_by_vector"):
            return await self._run(
                self.max_marginal_relevance_search, query, k, fetch_k, lambda_mult, **kwargs
            )
        embedding = await self._query_model().aembed_query(query)
        return await self.amax_marginal_relevance_search_by_vector(
            embedding, k, fetch_k, lambda_mult, **kwargs
        )

    async def amax_marginal_relevance_search_by_vector(
        self,
        embedding: list[float],
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        **kwargs: Any,
    ) -> list[Document]:
        """Async twin of `max_marginal_relevance_search_by_vector`."""
        return await self._run(
            self.max_marginal_relevance_search_by_vector,
            embedding,
            k,
            fetch_k,
            lambda_mult,
            **kwargs,
        )

    async def asimilarity_search_with_relevance_scores(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Async twin of `similarity_search_with_relevance_scores`."""
        threshold = kwargs.pop("score_threshold", None)
        relevance = self._select_relevance_score_fn()
        scored = await self.asimilarity_search_with_score(query, k, **kwargs)
        return _relevant(scored, relevance, threshold)

    async def asearch(self, query: str, search_type: str, **kwargs: Any) -> list[Document]:
        """Async twin of `search`."""
        if search_type == "similarity":
            return await self.asimilarity_search(query, **kwargs)
        if search_type == "similarity_score_threshold":
            scored = await self.asimilarity_search_with_relevance_scores(query, **kwargs)
            return [doc for doc, _ in scored]
        if search_type == "mmr":
            return await self.amax_marginal_relevance_search(query, **kwargs)
        raise ValueError(_bad_search_type(search_type, self.allowed_search_types))

    @classmethod
    async def afrom_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> Self:
        """Async twin of `from_texts`."""
        return await cls._run(cls.from_texts, texts, embedding, metadatas, ids=ids, **kwargs)

    @classmethod
    async def afrom_documents(
        cls, documents: list[Document], embedding: Embeddings, **kwargs: Any
    ) -> Self:
        """Async twin of `from_documents`."""
        texts, metadatas, ids = _columns(documents, kwargs.pop("ids", None))
        return await cls.afrom_texts(texts, embedding, metadatas, ids=ids, **kwargs)


def _bad_search_type(search_type: str, allowed: Sequence[str]) -> str:
    return f"search_type {search_type!r} is not supported; use one of: " + ", ".join(
        repr(name) for name in allowed
    )


def _relevant(
    scored: list[tuple[Document, float]],
    relevance: Callable[[float], float],
    threshold: float | None,
) -> list[tuple[Document, float]]:
    scored = [(doc, relevance(score)) for doc, score in scored]
    if threshold is None:
        return scored
    return [(doc, score) for doc, score in scored if score >= threshold]


def _clamp(score: float) -> float:
    """A relevance score: `score` clamped to [0, 1]."""
    return min(1.0, max(0.0, score))


def _checked(
    texts: Iterable[str], metadatas: list[dict[str, Any]] | None, ids: list[str] | None
) -> list[str]:
    """`texts` as a list, after checking one metadata dict and one id (if given) per text."""
    texts = list(texts)
    _same_length(texts, metadatas, "metadatas")
    _same_length(texts, ids, "ids")
    return texts


def _documents(
    texts: Iterable[str], metadatas: list[dict[str, Any]] | None, ids: list[str] | None
) -> list[Document]:
    texts = _checked(texts, metadatas, ids)
    return [
        Document(
            text,
            metadata=metadatas[i] if metadatas is not None else {},
            id=ids[i] if ids is not None else None,
        )
        for i, text in enumerate(texts)
    ]


def _columns(
    documents: Sequence[Document], ids: list[str] | None
) -> tuple[list[str], list[dict[str, Any]], list[str] | None]:
    _same_length(documents, ids, "ids")
    if ids is None and any(doc.id is not None for doc in documents):
        ids = [doc.id if doc.id is not None else _new_id() for doc in documents]
    return [doc.page_content for doc in documents], [doc.metadata for doc in documents], ids


def _same_length(items: Sequence[Any], other: Sequence[Any] | None, name: str) -> None:
    if other is not None and len(other) != len(items):
        raise ValueError(f"got {len(items)} texts but {len(other)} {name}: give one per text")


def _new_id() -> str:
    return str(uuid.uuid4())
