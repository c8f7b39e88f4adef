"""Vector math for vector stores: cosine similarity, maximal marginal relevance (NumPy).

Also `DistanceStrategy`, the names of the distance measures stores may use
(`langchain_community.vectorstores.utils` names).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["DistanceStrategy", "cosine_similarity", "maximal_marginal_relevance"]


class DistanceStrategy(StrEnum):
    """How a vector store measures the distance between two vectors."""

    EUCLIDEAN_DISTANCE = "EUCLIDEAN_DISTANCE"
    MAX_INNER_PRODUCT = "MAX_INNER_PRODUCT"
    DOT_PRODUCT = "DOT_PRODUCT"
    JACCARD = "JACCARD"
    COSINE = "COSINE"


_Matrix = npt.NDArray[np.float64]
_VectorLike = Sequence[float] | npt.NDArray[Any]
_MatrixLike = Sequence[Sequence[float]] | npt.NDArray[Any]


def _as_matrix(rows: _VectorLike | _MatrixLike, what: str) -> _Matrix:
    matrix = np.asarray(rows, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1) if matrix.size else matrix.reshape(0, 0)
    if matrix.ndim != 2:
        raise ValueError(f"{what} must be a vector or a list of vectors, got {matrix.ndim} dims")
    return matrix


def cosine_similarity(x: _VectorLike | _MatrixLike, y: _VectorLike | _MatrixLike) -> _Matrix:
    """The cosine similarity of every row of `x` with every row of `y` (shape `len(x), len(y)`).

    A zero vector has similarity 0 with everything.

    Raises:
        ValueError: the rows of `x` and `y` have different lengths.
    """
    a = _as_matrix(x, "x")
    b = _as_matrix(y, "y")
    if a.size == 0 or b.size == 0:
        return np.zeros((a.shape[0], b.shape[0]))
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"cannot compare vectors of {a.shape[1]} dimensions with vectors of "
            f"{b.shape[1]} dimensions: were they made by different embedding models?"
        )
    norms = np.outer(np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1))
    dots = a @ b.T
    with np.errstate(divide="ignore", invalid="ignore"):
        sims = np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0)
    return np.asarray(sims, dtype=np.float64)


def maximal_marginal_relevance(
    query_embedding: _VectorLike,
    embedding_list: _MatrixLike,
    lambda_mult: float = 0.5,
    k: int = 4,
) -> list[int]:
    """Pick `k` of `embedding_list` that are relevant to the query yet diverse; their indices.

    Greedy: first the candidate most similar to the query, then each time the one that
    maximises `lambda_mult * sim(query) - (1 - lambda_mult) * max sim(already picked)`.
    `lambda_mult=1` is plain similarity order, `0` maximal diversity.

    Raises:
        ValueError: `lambda_mult` is outside [0, 1], or the dimensions differ.
    """
    if not 0.0 <= lambda_mult <= 1.0:
        raise ValueError(f"lambda_mult must be between 0 and 1, got {lambda_mult}")
    candidates = _as_matrix(embedding_list, "embedding_list") if len(embedding_list) else None
    if candidates is None or k <= 0:
        return []
    to_query = cosine_similarity(query_embedding, candidates)[0]
    between = cosine_similarity(candidates, candidates)
    picked = [int(np.argmax(to_query))]
    redundancy = between[picked[0]].copy()
    while len(picked) < min(k, len(candidates)):
        scores = lambda_mult * to_query - (1.0 - lambda_mult) * redundancy
        scores[picked] = -np.inf
        best = int(np.argmax(scores))
        picked.append(best)
        redundancy = np.maximum(redundancy, between[best])
    return picked
