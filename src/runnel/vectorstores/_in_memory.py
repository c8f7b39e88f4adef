"""InMemoryVectorStore: documents and their vectors in a dict, searched with NumPy."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Self

import numpy as np

from runnel.documents import Document
from runnel.embeddings import Embeddings
from runnel.vectorstores._base import (
    VectorStore,
    _clamp,
    _new_id,
    _same_length,
    check_k,
    check_mmr,
)
from runnel.vectorstores._filters import metadata_predicate
from runnel.vectorstores.utils import cosine_similarity, maximal_marginal_relevance

__all__ = ["InMemoryVectorStore"]

Filter = Callable[[Document], bool] | Mapping[str, Any]


class InMemoryVectorStore(VectorStore):
    """A vector store in a dict: exact cosine-similarity search, for tests and small data.

    Documents get a fresh uuid4 id unless they (or `ids=`) carry one; adding an existing id
    replaces that document. Searches take `filter=`: a function of a `Document` returning
    whether it may be returned, or a metadata filter dict (`{"source": "a.txt"}`,
    `{"page": {"$gte": 3}}`, see `docs/retrieval.md`); it applies before ranking. Scores
    are cosine similarities (1 is identical); relevance scores are the same clamped to
    [0, 1]. A `k` larger than the store returns every (matching) document. Async methods
    embed with the model's async methods and search on the event loop.

    Attributes:
        embedding: The model embedding texts and queries.
        store: id -> `{"id", "vector", "text", "metadata"}`.
    """

    _blocking = False

    def __init__(self, embedding: Embeddings) -> None:
        self.embedding = embedding
        self.store: dict[str, dict[str, Any]] = {}

    def __repr__(self) -> str:
        return f"InMemoryVectorStore(embedding={self.embedding!r}, size={len(self.store)})"

    @property
    def embeddings(self) -> Embeddings:
        """The embedding model."""
        return self.embedding

    # -- writing ---------------------------------------------------------------------
    def add_documents(
        self, documents: list[Document], ids: list[str] | None = None, **kwargs: Any
    ) -> list[str]:
        """Embed and store `documents`; their ids.

        Raises:
            ValueError: `ids` has another length than `documents`, or the vectors' dimension
                differs from those already stored.
        """
        _same_length(documents, ids, "ids")
        vectors = self.embedding.embed_documents([doc.page_content for doc in documents])
        return self._put(documents, vectors, ids)

    async def aadd_documents(
        self, documents: list[Document], ids: list[str] | None = None, **kwargs: Any
    ) -> list[str]:
        """Async twin of `add_documents` (uses the model's `aembed_documents`)."""
        _same_length(documents, ids, "ids")
        vectors = await self.embedding.aembed_documents([doc.page_content for doc in documents])
        return self._put(documents, vectors, ids)

    def _put(
        self, documents: Sequence[Document], vectors: list[list[float]], ids: list[str] | None
    ) -> list[str]:
        if len(vectors) != len(documents):
            raise ValueError(
                f"{type(self.embedding).__name__} returned {len(vectors)} vectors "
                f"for {len(documents)} texts"
            )
        sizes = {len(vector) for vector in vectors}
        if len(sizes) > 1:
            raise ValueError(f"the embedding model returned vectors of different sizes: {sizes}")
        if sizes:
            self._check_dimension(sizes.pop(), "the new vectors have")
        out = []
        for i, (doc, vector) in enumerate(zip(documents, vectors, strict=True)):
            doc_id = ids[i] if ids is not None else doc.id or _new_id()
            self.store[doc_id] = {
                "id": doc_id,
                "vector": [float(x) for x in vector],
                "text": doc.page_content,
                "metadata": dict(doc.metadata),
            }
            out.append(doc_id)
        return out

    def _dimension(self) -> int | None:
        for entry in self.store.values():
            return len(entry["vector"])
        return None

    def _check_dimension(self, size: int, what: str) -> None:
        stored = self._dimension()
        if stored is not None and size != stored:
            raise ValueError(
                f"{what} {size} dimensions but the stored vectors have {stored}: "
                "use the same embedding model for storing and searching"
            )

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> None:
        """Delete the documents with these ids (unknown ids are ignored; None deletes none)."""
        for doc_id in ids or ():
            self.store.pop(doc_id, None)

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """The stored documents with these ids, in that order; unknown ids are skipped."""
        return [_document(self.store[i]) for i in ids if i in self.store]

    # -- searching -------------------------------------------------------------------
    def _ranked(
        self, embedding: Sequence[float], k: int, filter: Filter | None
    ) -> list[tuple[dict[str, Any], float]]:
        """The `k` best entries for `embedding` with their cosine similarity, best first."""
        check_k(k)
        self._check_dimension(len(embedding), "the query embedding has")
        entries = list(self.store.values())
        if isinstance(filter, Mapping):
            matches = metadata_predicate(filter)
            entries = [entry for entry in entries if matches(entry["metadata"])]
        elif filter is not None:
            entries = [entry for entry in entries if filter(_document(entry))]
        if not entries:
            return []
        sims = cosine_similarity(embedding, [entry["vector"] for entry in entries])[0]
        order = np.argsort(-sims, kind="stable")[:k]
        return [(entries[i], float(sims[i])) for i in order]

    def similarity_search_with_score_by_vector(
        self, embedding: list[float], k: int = 4, filter: Filter | None = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """The `k` documents most similar to `embedding`, with their cosine similarity.

        Raises:
            ValueError: `k` is not positive, or `embedding` has another dimension than the
                stored vectors.
        """
        return [(_document(entry), score) for entry, score in self._ranked(embedding, k, filter)]

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        """The `k` documents most similar to `query`, most similar first."""
        return [doc for doc, _ in self.similarity_search_with_score(query, k, **kwargs)]

    async def asimilarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        """Async twin of `similarity_search`."""
        return [doc for doc, _ in await self.asimilarity_search_with_score(query, k, **kwargs)]

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        return _clamp

    def max_marginal_relevance_search_by_vector(
        self,
        embedding: list[float],
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        *,
        filter: Filter | None = None,
        **kwargs: Any,
    ) -> list[Document]:
        """`k` documents relevant to `embedding` yet diverse, among the `fetch_k` closest.

        Raises:
            ValueError: `k` or `fetch_k` is not positive, `lambda_mult` is outside [0, 1], or
                the dimensions differ.
        """
        check_mmr(k, fetch_k, lambda_mult)
        candidates = [entry for entry, _ in self._ranked(embedding, fetch_k, filter)]
        picked = maximal_marginal_relevance(
            embedding, [entry["vector"] for entry in candidates], lambda_mult, k
        )
        return [_document(candidates[i]) for i in picked]

    # -- building --------------------------------------------------------------------
    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> Self:
        """A new store holding `texts` (with `metadatas` and `ids` if given)."""
        store = cls(embedding)
        store.add_texts(texts, metadatas, ids=ids)
        return store

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
        store = cls(embedding)
        await store.aadd_texts(texts, metadatas, ids=ids)
        return store


def _document(entry: dict[str, Any]) -> Document:
    return Document(entry["text"], metadata=entry["metadata"], id=entry["id"])
