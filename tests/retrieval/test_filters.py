"""Metadata filter dicts: equality, lists, operators, logic, bad filters."""

from __future__ import annotations

from typing import Any

import pytest

from runnel.documents import Document
from runnel.embeddings import DeterministicFakeEmbedding
from runnel.vectorstores import InMemoryVectorStore
from runnel.vectorstores._filters import metadata_predicate

ROWS: list[dict[str, Any]] = [
    {"name": "a", "page": 1, "tag": "x"},
    {"name": "b", "page": 2, "tag": "y"},
    {"name": "c", "page": 3},
    {"name": "d", "page": "four", "tag": "x"},
    {"name": "e", "page": None, "tag": ["x"]},
]


def names(spec: dict[str, Any]) -> list[str]:
    matches = metadata_predicate(spec)
    return [row["name"] for row in ROWS if matches(row)]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, ["a", "b", "c", "d", "e"]),
        ({"tag": "x"}, ["a", "d"]),
        ({"tag": ["x", "y"]}, ["a", "b", "d"]),  # a list means: one of them
        ({"tag": {"$eq": ["x"]}}, ["e"]),  # $eq compares the list itself
        ({"tag": "x", "page": 1}, ["a"]),  # all entries must hold
        ({"tag": {"$ne": "x"}}, ["b", "c", "e"]),
        ({"tag": {"$neq": "x"}}, ["b", "c", "e"]),
        ({"tag": None}, ["c"]),  # a missing field is None
        ({"page": {"$gt": 1}}, ["b", "c"]),  # "four" and None are not comparable: no match
        ({"page": {"$gte": 2, "$lt": 3}}, ["b"]),
        ({"page": {"$lte": 1}}, ["a"]),
        ({"page": {"$in": [1, 3]}}, ["a", "c"]),
        ({"page": {"$nin": [1, 3]}}, ["b", "d", "e"]),
        ({"$or": [{"page": 1}, {"tag": "y"}]}, ["a", "b"]),
        ({"$and": [{"tag": "x"}, {"page": {"$lt": 5}}]}, ["a"]),
        ({"$not": {"tag": "x"}}, ["b", "c", "e"]),
        ({"missing": {"$gt": 0}}, []),
    ],
)
def test_filter_semantics(spec: dict[str, Any], expected: list[str]) -> None:
    assert names(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"page": {"$between": [1, 2]}}, "unknown filter operator '\\$between' on 'page'"),
        ({"$xor": [{"a": 1}]}, "unknown filter operator '\\$xor'"),
        ({"page": {"$in": 3}}, "\\$in on 'page' needs a list of values"),
        ({"$or": []}, "\\$or needs a non-empty list of filters"),
        ({"$and": {"a": 1}}, "\\$and needs a non-empty list"),
        ({"page": {"$gt": 1, "x": 2}}, "cannot mix operators and plain keys"),
        ({"$not": 3}, "a metadata filter must be a dict"),
    ],
)
def test_bad_filters_are_rejected_up_front(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        metadata_predicate(spec)


def test_in_memory_store_takes_a_filter_dict() -> None:
    store = InMemoryVectorStore(DeterministicFakeEmbedding(size=8))
    store.add_documents([Document(row["name"], metadata=row) for row in ROWS])
    docs = store.similarity_search("a", k=10, filter={"page": {"$gte": 2}})
    assert sorted(d.page_content for d in docs) == ["b", "c"]
    mmr = store.max_marginal_relevance_search("a", k=10, filter={"tag": "x"})
    assert sorted(d.page_content for d in mmr) == ["a", "d"]
