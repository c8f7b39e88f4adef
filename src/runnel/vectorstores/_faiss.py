"""FAISS: a vector store on a faiss-cpu index (`langchain_community.vectorstores.FAISS` names).

This module imports without faiss; building or loading a store needs it
(`pip install "runnel[faiss]"`).
"""

from __future__ import annotations

import hashlib
import importlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from runnel.documents import Document
from runnel.embeddings import Embeddings
from runnel.vectorstores._base import (
    VectorStore,
    _checked,
    _clamp,
    _new_id,
    _same_length,
    check_k,
    check_mmr,
)
from runnel.vectorstores._faiss_files import (
    SavedDocument,
    SavedStore,
    check_json_metadata,
    read_folder,
    write_folder,
)
from runnel.vectorstores._filters import metadata_predicate
from runnel.vectorstores.utils import DistanceStrategy, maximal_marginal_relevance

__all__ = ["FAISS", "import_faiss"]

MetadataFilter = Callable[[dict[str, Any]], bool] | Mapping[str, Any]
_Vectors = npt.NDArray[np.float32]
_SUPPORTED = (
    DistanceStrategy.EUCLIDEAN_DISTANCE,
    DistanceStrategy.MAX_INNER_PRODUCT,
    DistanceStrategy.COSINE,
)


def import_faiss() -> Any:
    """The `faiss` module.

    Raises:
        ImportError: faiss-cpu is not installed; the message says how to install it.
    """
    try:
        return importlib.import_module("faiss")
    except ImportError as err:
        raise ImportError('FAISS needs the faiss-cpu package: pip install "runnel[faiss]"') from err


def _strategy(value: DistanceStrategy | str) -> DistanceStrategy:
    try:
        strategy = DistanceStrategy(value)
    except ValueError:
        pass
    else:
        if strategy in _SUPPORTED:
            return strategy
    raise ValueError(
        f"FAISS does not support distance_strategy {value!r}; use one of "
        + ", ".join(s.value for s in _SUPPORTED)
    )


class FAISS(VectorStore):
    """A vector store on a FAISS index: exact (flat) search by default, fast at 100k+ vectors.

    `from_texts` builds an `IndexFlatL2` (or `IndexFlatIP` for `MAX_INNER_PRODUCT` and
    `COSINE`); the constructor also takes any FAISS index you built. Scores are FAISS's
    own: the squared L2 distance for `EUCLIDEAN_DISTANCE` (lower is closer), the inner
    product for `MAX_INNER_PRODUCT` and the cosine similarity for `COSINE` (higher is
    closer). Relevance scores (for `similarity_score_threshold`) are cosine similarities
    clamped to [0, 1], assuming unit-length vectors for `EUCLIDEAN_DISTANCE` and
    `MAX_INNER_PRODUCT` (use `normalize_L2=True` or a normalising model).

    Searches take `filter=`, a metadata filter dict (`{"source": "a.txt"}`,
    `{"page": {"$gte": 3}}`) or a function of a document's metadata. Filtering applies to
    the whole store: the search widens past `fetch_k` until `k` documents match or the
    store is exhausted. `score_threshold=` keeps only scores at least as close as it.
    A `k` larger than the store returns every (matching) document.

    Ids are unique: adding an id already stored raises. `save_local` writes the index
    and a JSON docstore, never a pickle; `load_local` checks both before use.

    Attributes:
        embedding_function: The model embedding texts and queries.
        index: The FAISS index.
        docstore: Document id -> `Document`.
        index_to_docstore_id: Index position -> document id.
        distance_strategy: The distance measure.
    """

    def __init__(
        self,
        embedding_function: Embeddings,
        index: Any,
        docstore: dict[str, Document] | None = None,
        index_to_docstore_id: dict[int, str] | None = None,
        relevance_score_fn: Callable[[float], float] | None = None,
        normalize_L2: bool = False,
        distance_strategy: DistanceStrategy | str = DistanceStrategy.EUCLIDEAN_DISTANCE,
    ) -> None:
        """Wrap `index` (empty, or filled to match `docstore` and `index_to_docstore_id`).

        Raises:
            ImportError: faiss-cpu is not installed.
            TypeError: `embedding_function` is not an `Embeddings`.
            ValueError: unsupported `distance_strategy`, an index whose metric does not
                match it, or tables that do not match the index.
        """
        faiss = import_faiss()
        if not isinstance(embedding_function, Embeddings):
            raise TypeError(
                "embedding_function must be an Embeddings model, got "
                f"{type(embedding_function).__name__}"
            )
        strategy = _strategy(distance_strategy)
        wanted = (
            faiss.METRIC_L2
            if strategy is DistanceStrategy.EUCLIDEAN_DISTANCE
            else faiss.METRIC_INNER_PRODUCT
        )
        if index.metric_type != wanted:
            raise ValueError(
                f"distance_strategy {strategy.value} needs an index with the "
                f"{'L2' if wanted == faiss.METRIC_L2 else 'inner product'} metric "
                f"(e.g. faiss.{'IndexFlatL2' if wanted == faiss.METRIC_L2 else 'IndexFlatIP'})"
            )
        self.embedding_function = embedding_function
        self.index = index
        self.docstore: dict[str, Document] = docstore if docstore is not None else {}
        self.index_to_docstore_id: dict[int, str] = dict(index_to_docstore_id or {})
        self.override_relevance_score_fn = relevance_score_fn
        self.distance_strategy = strategy
        self._normalize_L2 = normalize_L2 or strategy is DistanceStrategy.COSINE
        self._lock = threading.RLock()
        positions = sorted(self.index_to_docstore_id)
        if positions != list(range(index.ntotal)):
            raise ValueError(
                f"index_to_docstore_id must map each of the index's {index.ntotal} positions "
                f"to a document id; it has {len(positions)} entries"
            )
        missing = [i for i in self.index_to_docstore_id.values() if i not in self.docstore]
        if missing:
            raise ValueError(f"ids in index_to_docstore_id but not in docstore: {missing[:5]}")

    def __repr__(self) -> str:
        return (
            f"FAISS(embedding_function={self.embedding_function!r}, size={self.index.ntotal}, "
            f"distance_strategy={self.distance_strategy.value})"
        )

    @property
    def embeddings(self) -> Embeddings:
        """The embedding model."""
        return self.embedding_function

    # -- vectors ---------------------------------------------------------------------
    def _matrix(self, vectors: Sequence[Sequence[float]], what: str) -> _Vectors:
        """`vectors` as a float32 matrix of the index's width (normalised if configured)."""
        sizes = {len(vector) for vector in vectors}
        if len(sizes) > 1:
            raise ValueError(f"the embedding model returned vectors of different sizes: {sizes}")
        matrix: npt.NDArray[Any] = np.array(vectors, dtype=np.float32).reshape(len(vectors), -1)
        if matrix.shape[1] != self.index.d:
            raise ValueError(
                f"{what} {matrix.shape[1]} dimensions but the index has {self.index.d}: "
                "use the same embedding model for storing and searching"
            )
        if not np.isfinite(matrix).all():
            raise ValueError(f"{what} NaN or infinite values")
        if self._normalize_L2:
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            matrix = matrix / np.where(norms > 0, norms, 1.0)
        return np.ascontiguousarray(matrix, dtype=np.float32)

    def _document(self, position: int) -> Document:
        doc_id = self.index_to_docstore_id[position]
        doc = self.docstore.get(doc_id)
        if doc is None:
            raise ValueError(f"the index refers to document id {doc_id!r}, which is not stored")
        return Document(doc.page_content, metadata=dict(doc.metadata), id=doc_id)

    # -- writing ---------------------------------------------------------------------
    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Embed and store `texts`; their ids (given, or new uuid4s).

        Raises:
            ValueError: lengths differ, an id is repeated or already stored, or the vectors
                have another dimension than the index.
        """
        texts = _checked(texts, metadatas, ids)
        vectors = self.embedding_function.embed_documents(texts) if texts else []
        return self._add(texts, vectors, metadatas, ids)

    async def aadd_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Async twin of `add_texts` (uses the model's `aembed_documents`)."""
        texts = _checked(texts, metadatas, ids)
        vectors = await self.embedding_function.aembed_documents(texts) if texts else []
        return self._add(texts, vectors, metadatas, ids)

    def add_embeddings(
        self,
        text_embeddings: Iterable[tuple[str, list[float]]],
        metadatas: list[dict[str, Any]] | None = None,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Store texts with vectors computed elsewhere; their ids."""
        pairs = list(text_embeddings)
        return self._add([t for t, _ in pairs], [v for _, v in pairs], metadatas, ids)

    def _add(
        self,
        texts: list[str],
        vectors: Sequence[Sequence[float]],
        metadatas: list[dict[str, Any]] | None,
        ids: list[str] | None,
    ) -> list[str]:
        _same_length(texts, metadatas, "metadatas")
        _same_length(texts, ids, "ids")
        if len(vectors) != len(texts):
            raise ValueError(
                f"{type(self.embedding_function).__name__} returned {len(vectors)} vectors "
                f"for {len(texts)} texts"
            )
        if not texts:
            return []
        if not all(isinstance(text, str) for text in texts):
            raise TypeError("texts must be strings")
        ids = [str(i) for i in ids] if ids is not None else [_new_id() for _ in texts]
        if len(set(ids)) != len(ids):
            raise ValueError("the ids to add repeat an id: each document needs its own")
        matrix = self._matrix(vectors, "the new vectors have")
        with self._lock:
            stored = [i for i in ids if i in self.docstore]
            if stored:
                raise ValueError(f"ids already in the store: {stored[:5]}; delete them first")
            start = self.index.ntotal
            self.index.add(matrix)
            for offset, (doc_id, text) in enumerate(zip(ids, texts, strict=True)):
                metadata = dict(metadatas[offset]) if metadatas is not None else {}
                # Fields checked above: skip pydantic's validation (3x faster at 100k texts).
                self.docstore[doc_id] = Document.model_construct(
                    page_content=text, metadata=metadata, id=doc_id
                )
                self.index_to_docstore_id[start + offset] = doc_id
        return ids

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool:
        """Delete the documents with these ids; True.

        Raises:
            ValueError: no ids given, or an id is not stored.
        """
        if ids is None:
            raise ValueError("delete needs the ids of the documents to delete")
        with self._lock:
            unknown = [i for i in ids if i not in self.docstore]
            if unknown:
                raise ValueError(f"ids not in the store: {unknown[:5]}")
            doomed = set(ids)
            positions = [p for p, i in self.index_to_docstore_id.items() if i in doomed]
            self.index.remove_ids(np.array(sorted(positions), dtype=np.int64))
            kept = [i for _, i in sorted(self.index_to_docstore_id.items()) if i not in doomed]
            self.index_to_docstore_id = dict(enumerate(kept))
            for doc_id in doomed:
                del self.docstore[doc_id]
        return True

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """The stored documents with these ids, in that order; unknown ids are skipped."""
        return [
            Document(doc.page_content, metadata=dict(doc.metadata), id=doc_id)
            for doc_id in ids
            if (doc := self.docstore.get(doc_id)) is not None
        ]

    def merge_from(self, target: FAISS) -> None:
        """Add every document (and vector) of `target` to this store.

        Raises:
            ValueError: the dimensions differ, or an id is in both stores.
        """
        if target.index.d != self.index.d:
            raise ValueError(
                f"cannot merge a {target.index.d}-dimensional store into a "
                f"{self.index.d}-dimensional one"
            )
        with target._lock:
            vectors = target.index.reconstruct_n(0, target.index.ntotal)
            docs = [target._document(p) for p in range(target.index.ntotal)]
        self._add(
            [d.page_content for d in docs],
            vectors.tolist(),
            [d.metadata for d in docs],
            [d.id or _new_id() for d in docs],
        )

    # -- searching -------------------------------------------------------------------
    def _hits(
        self, query: _Vectors, k: int, filter: MetadataFilter | None, fetch_k: int
    ) -> list[tuple[int, float]]:
        """(position, score) of the `k` closest matching vectors, closest first."""
        check_k(k)
        check_k(fetch_k, "fetch_k")
        matches = metadata_predicate(filter) if isinstance(filter, Mapping) else filter
        with self._lock:
            total = self.index.ntotal
            wanted = min(total, k if matches is None else max(k, fetch_k))
            while wanted:
                scores, positions = self.index.search(query, wanted)
                hits = [
                    (int(p), float(s))
                    for p, s in zip(positions[0], scores[0], strict=True)
                    if p >= 0
                ]
                if matches is not None:
                    hits = [(p, s) for p, s in hits if matches(self._metadata(p))]
                if len(hits) >= k or wanted >= total:
                    return hits[:k]
                wanted = min(total, wanted * 4)
        return []

    def _metadata(self, position: int) -> dict[str, Any]:
        return self._document(position).metadata

    def _closer(self, score: float, threshold: float) -> bool:
        if self.distance_strategy is DistanceStrategy.EUCLIDEAN_DISTANCE:
            return score <= threshold
        return score >= threshold

    def similarity_search_with_score_by_vector(
        self,
        embedding: list[float],
        k: int = 4,
        filter: MetadataFilter | None = None,
        fetch_k: int = 20,
        **kwargs: Any,
    ) -> list[tuple[Document, float]]:
        """The `k` documents closest to `embedding`, with their scores, closest first.

        Raises:
            ValueError: `k` or `fetch_k` is not positive, or `embedding` has another
                dimension than the index.
        """
        query = self._matrix([embedding], "the query embedding has")
        hits = self._hits(query, k, filter, fetch_k)
        threshold = kwargs.get("score_threshold")
        if threshold is not None:
            hits = [(p, s) for p, s in hits if self._closer(s, threshold)]
        return [(self._document(p), s) for p, s in hits]

    def similarity_search_with_score(
        self,
        query: str,
        k: int = 4,
        filter: MetadataFilter | None = None,
        fetch_k: int = 20,
        **kwargs: Any,
    ) -> list[tuple[Document, float]]:
        """The `k` documents closest to `query`, with their scores, closest first."""
        return super().similarity_search_with_score(
            query, k, filter=filter, fetch_k=fetch_k, **kwargs
        )

    async def asimilarity_search_with_score(
        self,
        query: str,
        k: int = 4,
        filter: MetadataFilter | None = None,
        fetch_k: int = 20,
        **kwargs: Any,
    ) -> list[tuple[Document, float]]:
        """Async twin of `similarity_search_with_score` (uses the model's `aembed_query`)."""
        return await super().asimilarity_search_with_score(
            query, k, filter=filter, fetch_k=fetch_k, **kwargs
        )

    def similarity_search_by_vector(
        self,
        embedding: list[float],
        k: int = 4,
        filter: MetadataFilter | None = None,
        fetch_k: int = 20,
        **kwargs: Any,
    ) -> list[Document]:
        """The `k` documents closest to `embedding`, closest first."""
        return super().similarity_search_by_vector(
            embedding, k, filter=filter, fetch_k=fetch_k, **kwargs
        )

    def similarity_search(
        self,
        query: str,
        k: int = 4,
        filter: MetadataFilter | None = None,
        fetch_k: int = 20,
        **kwargs: Any,
    ) -> list[Document]:
        """The `k` documents closest to `query`, closest first."""
        return [
            doc for doc, _ in self.similarity_search_with_score(query, k, filter, fetch_k, **kwargs)
        ]

    async def asimilarity_search(
        self,
        query: str,
        k: int = 4,
        filter: MetadataFilter | None = None,
        fetch_k: int = 20,
        **kwargs: Any,
    ) -> list[Document]:
        """Async twin of `similarity_search`."""
        scored = await self.asimilarity_search_with_score(query, k, filter, fetch_k, **kwargs)
        return [doc for doc, _ in scored]

    def max_marginal_relevance_search_with_score_by_vector(
        self,
        embedding: list[float],
        *,
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        filter: MetadataFilter | None = None,
    ) -> list[tuple[Document, float]]:
        """`k` documents close to `embedding` yet diverse, among the `fetch_k` closest.

        Raises:
            ValueError: `k` or `fetch_k` is not positive, `lambda_mult` is outside [0, 1],
                the dimensions differ, or the index cannot return its vectors.
        """
        check_mmr(k, fetch_k, lambda_mult)
        query = self._matrix([embedding], "the query embedding has")
        with self._lock:
            hits = self._hits(query, fetch_k, filter, fetch_k)
            if not hits:
                return []
            try:
                vectors = np.vstack([self.index.reconstruct(p) for p, _ in hits])
            except RuntimeError as err:
                raise ValueError(
                    f"MMR needs the stored vectors, which this {type(self.index).__name__} "
                    "cannot return (reconstruct)"
                ) from err
            picked = maximal_marginal_relevance(query[0], vectors, lambda_mult, k)
            return [(self._document(hits[i][0]), hits[i][1]) for i in picked]

    def max_marginal_relevance_search_by_vector(
        self,
        embedding: list[float],
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        *,
        filter: MetadataFilter | None = None,
        **kwargs: Any,
    ) -> list[Document]:
        """`k` documents close to `embedding` yet diverse, among the `fetch_k` closest."""
        scored = self.max_marginal_relevance_search_with_score_by_vector(
            embedding, k=k, fetch_k=fetch_k, lambda_mult=lambda_mult, filter=filter
        )
        return [doc for doc, _ in scored]

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        if self.override_relevance_score_fn is not None:
            return self.override_relevance_score_fn
        if self.distance_strategy is DistanceStrategy.EUCLIDEAN_DISTANCE:
            return _squared_l2_relevance
        return _clamp

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
        """A new store holding `texts`, embedded with `embedding`.

        Args:
            texts: The texts (at least one: the first vector sets the index's dimension).
            embedding: The embedding model.
            metadatas: One metadata dict per text.
            ids: One id per text (default: new uuid4s).
            **kwargs: `distance_strategy`, `normalize_L2`, `relevance_score_fn`.

        Raises:
            ImportError: faiss-cpu is not installed.
            ValueError: no texts, or lengths that differ.
        """
        import_faiss()
        texts = _nonempty(_checked(texts, metadatas, ids))
        return cls._build(
            texts, embedding.embed_documents(texts), embedding, metadatas, ids, kwargs
        )

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
        """Async twin of `from_texts` (uses the model's `aembed_documents`)."""
        import_faiss()
        texts = _nonempty(_checked(texts, metadatas, ids))
        vectors = await embedding.aembed_documents(texts)
        return cls._build(texts, vectors, embedding, metadatas, ids, kwargs)

    @classmethod
    def from_embeddings(
        cls,
        text_embeddings: Iterable[tuple[str, list[float]]],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> Self:
        """A new store holding texts with vectors computed elsewhere."""
        import_faiss()
        pairs = list(text_embeddings)
        texts = _nonempty([t for t, _ in pairs])
        return cls._build(texts, [v for _, v in pairs], embedding, metadatas, ids, kwargs)

    @classmethod
    def _build(
        cls,
        texts: list[str],
        vectors: Sequence[Sequence[float]],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None,
        ids: list[str] | None,
        kwargs: dict[str, Any],
    ) -> Self:
        faiss = import_faiss()
        dimension = len(vectors[0]) if len(vectors) else 0
        if dimension == 0:
            raise ValueError(f"{type(embedding).__name__} returned no vector (or an empty one)")
        strategy = _strategy(kwargs.get("distance_strategy", DistanceStrategy.EUCLIDEAN_DISTANCE))
        flat = (
            faiss.IndexFlatL2
            if strategy is DistanceStrategy.EUCLIDEAN_DISTANCE
            else faiss.IndexFlatIP
        )
        store = cls(embedding, flat(dimension), **kwargs)
        store._add(texts, vectors, metadatas, ids)
        return store

    # -- files -----------------------------------------------------------------------
    def save_local(self, folder_path: str | Path, index_name: str = "index") -> None:
        """Write `<index_name>.faiss` and `<index_name>.json` into `folder_path`.

        Raises:
            TypeError: some metadata is not JSON (e.g. a tuple or a date).
            ValueError: some metadata is a NaN or infinite float.
        """
        faiss = import_faiss()
        with self._lock:
            ids = [self.index_to_docstore_id[p] for p in range(self.index.ntotal)]
            documents = {}
            for doc_id in ids:
                doc = self.docstore[doc_id]
                check_json_metadata(doc.metadata, f"the metadata of document {doc_id!r}")
                documents[doc_id] = SavedDocument(
                    page_content=doc.page_content, metadata=doc.metadata
                )
            index_bytes = faiss.serialize_index(self.index).tobytes()
        saved = SavedStore(
            format="runnel.faiss",
            version=1,
            index_sha256=hashlib.sha256(index_bytes).hexdigest(),
            dimension=self.index.d,
            distance_strategy=self.distance_strategy.value,
            normalize_L2=self._normalize_L2,
            ids=ids,
            documents=documents,
        )
        write_folder(Path(folder_path), index_name, index_bytes, saved)

    @classmethod
    def load_local(
        cls,
        folder_path: str | Path,
        embeddings: Embeddings,
        index_name: str = "index",
        *,
        allow_dangerous_deserialization: bool = False,
        **kwargs: Any,
    ) -> Self:
        """Load a store written by `save_local`; nothing is unpickled.

        Args:
            folder_path: The folder given to `save_local`.
            embeddings: The embedding model (the one the store was built with).
            index_name: The file names' stem.
            allow_dangerous_deserialization: Accepted for LangChain compatibility and
                ignored: loading never runs code from the folder.
            **kwargs: `relevance_score_fn`.

        Raises:
            ImportError: faiss-cpu is not installed.
            FileNotFoundError: the folder or one of its files is missing.
            ValueError: the folder is malformed or was tampered with (bad JSON, checksum,
                tables that disagree with the index), or holds a LangChain pickle.
        """
        faiss = import_faiss()
        folder = Path(folder_path)
        saved, index_bytes = read_folder(folder, index_name)
        try:
            index = faiss.deserialize_index(np.frombuffer(index_bytes, dtype=np.uint8))
        except RuntimeError as err:
            raise ValueError(f"FAISS could not read {folder / index_name}.faiss: {err}") from err
        if index.d != saved.dimension or index.ntotal != len(saved.ids):
            raise ValueError(
                f"{folder / index_name}.faiss holds {index.ntotal} vectors of {index.d} "
                f"dimensions but {index_name}.json describes {len(saved.ids)} of "
                f"{saved.dimension}"
            )
        docstore = {  # validated by read_folder's schema
            doc_id: Document.model_construct(
                page_content=doc.page_content, metadata=doc.metadata, id=doc_id
            )
            for doc_id, doc in saved.documents.items()
        }
        return cls(
            embeddings,
            index,
            docstore,
            dict(enumerate(saved.ids)),
            normalize_L2=saved.normalize_L2,
            distance_strategy=saved.distance_strategy,
            **kwargs,
        )


def _nonempty(texts: list[str]) -> list[str]:
    if not texts:
        raise ValueError(
            "FAISS.from_texts needs at least one text (the first vector sets the index's "
            "dimension); for an empty store, pass an empty index: "
            "FAISS(embedding, faiss.IndexFlatL2(dimension))"
        )
    return texts


def _squared_l2_relevance(distance: float) -> float:
    # For unit vectors, squared L2 distance = 2 - 2 * cosine.
    return _clamp(1.0 - distance / 2.0)
