"""Vector math: cosine similarity and maximal marginal relevance."""

from __future__ import annotations

import math

import pytest

from runnel.vectorstores.utils import cosine_similarity, maximal_marginal_relevance


def test_cosine_similarity_matrix() -> None:
    sims = cosine_similarity([[1.0, 0.0], [1.0, 1.0]], [[2.0, 0.0], [0.0, 3.0], [-1.0, 0.0]])
    assert sims.shape == (2, 3)
    expected = [[1.0, 0.0, -1.0], [1 / math.sqrt(2), 1 / math.sqrt(2), -1 / math.sqrt(2)]]
    for row, want in zip(sims.tolist(), expected, strict=True):
        assert row == pytest.approx(want)


def test_cosine_similarity_of_a_zero_vector_is_zero() -> None:
    assert cosine_similarity([0.0, 0.0], [[1.0, 2.0]]).tolist() == [[0.0]]


def test_cosine_similarity_of_nothing() -> None:
    assert cosine_similarity([1.0], []).shape == (1, 0)


def test_cosine_similarity_dimension_mismatch() -> None:
    with pytest.raises(ValueError, match="3 dimensions with vectors of 2 dimensions"):
        cosine_similarity([1.0, 2.0, 3.0], [[1.0, 2.0]])


# Query along (1, 1); a2 is a near-duplicate of a, b points elsewhere but is relevant.
QUERY = [1.0, 1.0]
A, A2, B = [1.0, 0.9], [1.0, 0.95], [0.2, 1.0]


def test_mmr_prefers_diversity() -> None:
    assert maximal_marginal_relevance(QUERY, [A, A2, B], lambda_mult=0.5, k=2) == [1, 2]


def test_mmr_with_lambda_one_is_similarity_order() -> None:
    assert maximal_marginal_relevance(QUERY, [A, A2, B], lambda_mult=1.0, k=3) == [1, 0, 2]


def test_mmr_edge_cases() -> None:
    assert maximal_marginal_relevance(QUERY, [], k=3) == []
    assert maximal_marginal_relevance(QUERY, [A], k=5) == [0]
    with pytest.raises(ValueError, match="lambda_mult must be between 0 and 1"):
        maximal_marginal_relevance(QUERY, [A], lambda_mult=1.5)
