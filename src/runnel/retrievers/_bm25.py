"""BM25Retriever: keyword retrieval ranked by Okapi BM25, in pure Python (no model).

(`langchain_community.retrievers.BM25Retriever` names.)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import Field

from runnel.callbacks.manager import RunManager
from runnel.documents import Document
from runnel.retrievers._base import BaseRetriever

__all__ = ["BM25Index", "BM25Retriever", "default_preprocessing_func"]


def default_preprocessing_func(text: str) -> list[str]:
    """Split `text` on whitespace (case-sensitive, punctuation kept: LangChain's default)."""
    return text.split()


class BM25Index:
    """An inverted index scoring token lists against a corpus with Okapi BM25.

    `score(D, Q) = sum over q in Q of idf(q) * f(q, D) * (k1 + 1) /
    (f(q, D) + k1 * (1 - b + b * |D| / avgdl))` with Lucene's idf,
    `ln(1 + (N - n(q) + 0.5) / (n(q) + 0.5))`, which is positive for every term. (The
    `rank_bm25` package that LangChain uses drops the `1 +`: a term in half the documents
    then scores 0 and one in more than half gets a floor value, so small corpora rank
    poorly.)

    Attributes:
        k1: Term-frequency saturation.
        b: Length normalisation (0 none, 1 full).
        doc_lengths: The number of tokens of each document.
        postings: Term -> [(document index, term frequency), ...].
        idf: Term -> inverse document frequency.
    """

    __slots__ = ("_norms", "b", "doc_lengths", "idf", "k1", "postings")

    def __init__(
        self, corpus: Iterable[Sequence[str]], *, k1: float = 1.5, b: float = 0.75
    ) -> None:
        """Index `corpus`, a list of token lists.

        Raises:
            ValueError: `k1` is negative, or `b` is outside [0, 1].
        """
        if k1 < 0 or not 0 <= b <= 1:
            raise ValueError(f"BM25 needs k1 >= 0 and 0 <= b <= 1, got {k1=}, {b=}")
        self.k1, self.b = k1, b
        self.postings: dict[str, list[tuple[int, int]]] = {}
        lengths = []
        for position, tokens in enumerate(corpus):
            lengths.append(len(tokens))
            for term, count in Counter(tokens).items():
                self.postings.setdefault(term, []).append((position, count))
        self.doc_lengths = tuple(lengths)
        n = len(lengths)
        self.idf = {
            term: math.log(1 + (n - len(found) + 0.5) / (len(found) + 0.5))
            for term, found in self.postings.items()
        }
        average = (sum(lengths) / n if n else 0.0) or 1.0
        self._norms = [k1 * (1 - b + b * length / average) for length in lengths]

    def __repr__(self) -> str:
        return f"BM25Index(documents={len(self.doc_lengths)}, terms={len(self.idf)})"

    def get_scores(self, query: Sequence[str]) -> list[float]:
        """The score of every document for the query tokens (a repeated token counts again)."""
        scores = [0.0] * len(self.doc_lengths)
        boost = self.k1 + 1
        for term in query:
            idf = self.idf.get(term)
            if idf is None:
                continue
            for position, count in self.postings[term]:
                scores[position] += idf * count * boost / (count + self._norms[position])
        return scores

    def get_top_n(self, query: Sequence[str], documents: Sequence[Any], n: int = 5) -> list[Any]:
        """The `n` best of `documents` (one per indexed document), best first, ties in order."""
        scores = self.get_scores(query)
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        return [documents[i] for i in order[:n]]


class BM25Retriever(BaseRetriever):
    """Keyword retrieval: the `k` documents scoring best for the query under Okapi BM25.

    No embedding model: texts and query are turned into tokens by `preprocess_func`
    (default: `str.split`, case-sensitive; pass e.g. `lambda t: t.lower().split()`).
    Like LangChain's, it returns `k` documents whenever the corpus has that many, even
    ones sharing no token with the query (they score 0 and come last, in corpus order).
    An empty corpus returns no documents.

    Attributes:
        vectorizer: The `BM25Index` index.
        docs: The documents, in index order.
        k: How many documents to return (may be overridden per call: `invoke(q, k=2)`).
        preprocess_func: Text -> tokens, for the documents and the query.
    """

    vectorizer: BM25Index
    docs: list[Document] = Field(repr=False)
    k: int = Field(default=4, gt=0)
    preprocess_func: Callable[[str], list[str]] = default_preprocessing_func

    @classmethod
    def from_texts(
        cls,
        texts: Iterable[str],
        metadatas: Iterable[dict[str, Any]] | None = None,
        ids: Iterable[str] | None = None,
        bm25_params: dict[str, Any] | None = None,
        preprocess_func: Callable[[str], list[str]] = default_preprocessing_func,
        **kwargs: Any,
    ) -> BM25Retriever:
        """Index `texts` (with `metadatas` and `ids` if given).

        Args:
            texts: The texts to search.
            metadatas: One metadata dict per text.
            ids: One id per text.
            bm25_params: `k1` (default 1.5) and `b` (0.75).
            preprocess_func: Text -> tokens.
            **kwargs: Other fields (`k`, `tags`, ...).

        Raises:
            ValueError: lengths differ, or an unknown or invalid BM25 parameter.
        """
        texts = list(texts)
        metadatas = list(metadatas) if metadatas is not None else [{} for _ in texts]
        id_list = list(ids) if ids is not None else [None] * len(texts)
        for name, column in (("metadatas", metadatas), ("ids", id_list)):
            if len(column) != len(texts):
                raise ValueError(f"got {len(texts)} texts but {len(column)} {name}")
        docs = [
            Document(text, metadata=metadata, id=doc_id)
            for text, metadata, doc_id in zip(texts, metadatas, id_list, strict=True)
        ]
        return cls.from_documents(
            docs, bm25_params=bm25_params, preprocess_func=preprocess_func, **kwargs
        )

    @classmethod
    def from_documents(
        cls,
        documents: Iterable[Document],
        *,
        bm25_params: dict[str, Any] | None = None,
        preprocess_func: Callable[[str], list[str]] = default_preprocessing_func,
        **kwargs: Any,
    ) -> BM25Retriever:
        """Index `documents` (see `from_texts`)."""
        docs = list(documents)
        params = dict(bm25_params or {})
        unknown = set(params).difference({"k1", "b"})
        if unknown:
            raise ValueError(f"unknown bm25_params {sorted(unknown)}: use k1 and b")
        vectorizer = BM25Index((preprocess_func(doc.page_content) for doc in docs), **params)
        return cls(vectorizer=vectorizer, docs=docs, preprocess_func=preprocess_func, **kwargs)

    def _get_relevant_documents(
        self, query: str, *, run_manager: RunManager, k: int | None = None
    ) -> list[Document]:
        n = self.k if k is None else k
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"k must be a positive integer (the number of results), got {n!r}")
        docs: list[Document] = self.vectorizer.get_top_n(self.preprocess_func(query), self.docs, n)
        return docs
