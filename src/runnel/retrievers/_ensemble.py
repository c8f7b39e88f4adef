"""EnsembleRetriever: several retrievers' results fused by weighted reciprocal rank.

(`langchain.retrievers.EnsembleRetriever` names.)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from pydantic import Field, model_validator

from runnel._core.run import step_config
from runnel.callbacks.manager import AsyncRunManager, RunManager
from runnel.documents import Document
from runnel.retrievers._base import BaseRetriever
from runnel.runnables import Runnable
from runnel.runnables._plumbing import run_bounded
from runnel.runnables._utils import aclosing

__all__ = ["EnsembleRetriever", "weighted_reciprocal_rank"]


def weighted_reciprocal_rank(
    doc_lists: Sequence[Sequence[Document]],
    weights: Sequence[float],
    c: int = 60,
    id_key: str | None = None,
) -> list[Document]:
    """Fuse ranked lists: each document scores `sum(weight / (c + rank))`, rank from 1.

    Documents are the same when their `page_content` (or `metadata[id_key]`) is; the first
    occurrence is kept. Best first; ties keep the order of first appearance.

    Raises:
        ValueError: not one weight per list.
    """
    if len(doc_lists) != len(weights):
        raise ValueError(f"got {len(doc_lists)} result lists but {len(weights)} weights")
    scores: dict[Hashable, float] = {}
    first: dict[Hashable, Document] = {}
    for docs, weight in zip(doc_lists, weights, strict=True):
        for rank, doc in enumerate(docs, start=1):
            key = doc.page_content if id_key is None else doc.metadata[id_key]
            scores[key] = scores.get(key, 0.0) + weight / (c + rank)
            first.setdefault(key, doc)
    order = sorted(first, key=lambda key: -scores[key])
    return [first[key] for key in order]


class EnsembleRetriever(BaseRetriever):
    """Ask every retriever, then rank the union by weighted reciprocal rank fusion.

    A document's score is the sum over retrievers of `weight / (c + rank)` (rank from 1)
    in each list it appears in, so documents that several retrievers rank high come
    first; e.g. `EnsembleRetriever(retrievers=[bm25, vectors], weights=[0.4, 0.6])`.
    Each retriever runs as a child run tagged `retriever_<n>`; under `ainvoke` they run
    concurrently (at most `max_concurrency` of the config at once); the first failure
    cancels the others and is raised.

    Attributes:
        retrievers: Runnables from a query string to a list of documents.
        weights: One non-negative weight per retriever (default: equal weights).
        c: The rank constant: larger values flatten the difference between ranks.
        id_key: A metadata key identifying documents (default: the page content).
    """

    retrievers: list[Runnable[str, list[Document]]]
    weights: list[float] = Field(default_factory=list)
    c: int = Field(default=60, ge=0)
    id_key: str | None = None

    @model_validator(mode="after")
    def _check(self) -> EnsembleRetriever:
        if not self.retrievers:
            raise ValueError("EnsembleRetriever needs at least one retriever")
        if not self.weights:
            self.weights = [1.0 / len(self.retrievers)] * len(self.retrievers)
        if len(self.weights) != len(self.retrievers):
            raise ValueError(
                f"got {len(self.retrievers)} retrievers but {len(self.weights)} weights: "
                "give one weight per retriever"
            )
        if any(w < 0 for w in self.weights):
            raise ValueError(f"weights must not be negative, got {self.weights}")
        return self

    def weighted_reciprocal_rank(self, doc_lists: Sequence[Sequence[Document]]) -> list[Document]:
        """Fuse result lists (in `retrievers` order) with this ensemble's weights and `c`."""
        return weighted_reciprocal_rank(doc_lists, self.weights, self.c, self.id_key)

    def _get_relevant_documents(self, query: str, *, run_manager: RunManager) -> list[Document]:
        doc_lists = [
            retriever.invoke(query, step_config(run_manager.config, f"retriever_{i}"))
            for i, retriever in enumerate(self.retrievers, start=1)
        ]
        return self.weighted_reciprocal_rank(doc_lists)

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncRunManager
    ) -> list[Document]:
        config = run_manager.config

        async def fetch(i: int) -> list[Document]:
            step = step_config(config, f"retriever_{i + 1}")
            docs: list[Document] = await self.retrievers[i].ainvoke(query, step)
            return docs

        doc_lists: list[list[Document]] = [[] for _ in self.retrievers]
        results = run_bounded(fetch, len(self.retrievers), config.get("max_concurrency"))
        async with aclosing(results) as finished:  # type: ignore[type-var]
            async for i, docs in finished:
                doc_lists[i] = docs
        return self.weighted_reciprocal_rank(doc_lists)
