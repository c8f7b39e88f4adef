"""BM25Retriever and its BM25Index index: scores, ranking, tokens, bad input, run reporting."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from runnel.documents import Document
from runnel.retrievers import BM25Index, BM25Retriever

from .conftest import Call, Recorder

pytestmark = pytest.mark.anyio

TEXTS = [
    "the cat sat on the mat",
    "the dog chased the cat",
    "a bird sang",
    "dogs and cats and birds",
]


def bm25_by_hand(
    corpus: list[list[str]], query: list[str], k1: float = 1.5, b: float = 0.75
) -> list[float]:
    """The Okapi formula with Lucene's idf, written out plainly."""
    n = len(corpus)
    average = sum(len(doc) for doc in corpus) / n
    idf = {}
    for term in {t for doc in corpus for t in doc}:
        having = sum(term in doc for doc in corpus)
        idf[term] = math.log(1 + (n - having + 0.5) / (having + 0.5))
    scores = []
    for doc in corpus:
        score = 0.0
        for q in query:
            f = doc.count(q)
            if q in idf:
                score += idf[q] * f * (k1 + 1) / (f + k1 * (1 - b + b * len(doc) / average))
        scores.append(score)
    return scores


def test_scores_follow_the_okapi_formula() -> None:
    corpus = [t.split() for t in TEXTS]
    index = BM25Index(corpus)
    for query in (["cat"], ["the", "cat"], ["bird", "sang", "sang"], ["unknown"]):
        assert index.get_scores(query) == pytest.approx(bm25_by_hand(corpus, query))
    tuned = BM25Index(corpus, k1=0.9, b=0.4)
    assert tuned.get_scores(["cat"]) == pytest.approx(bm25_by_hand(corpus, ["cat"], 0.9, 0.4))


def test_common_terms_still_count() -> None:
    index = BM25Index([["x", "a"], ["x", "b"], ["y", "c"], ["y", "d"]])
    assert 0 < index.idf["x"] < index.idf["a"]  # in half the documents: rare terms weigh more
    everywhere = BM25Index([["x"], ["x", "b"]])
    assert everywhere.get_scores(["x"])[0] > everywhere.get_scores(["x"])[1] > 0


async def test_best_documents_first(call: Call) -> None:
    retriever = BM25Retriever.from_texts(TEXTS, k=2)
    # Both contain "cat" once; the shorter document scores higher.
    assert [d.page_content for d in await call(retriever, "cat")] == [
        "the dog chased the cat",
        "the cat sat on the mat",
    ]
    docs = await call(retriever, "bird sang")
    assert docs[0].page_content == "a bird sang"


async def test_returns_k_documents_even_without_matches(call: Call) -> None:
    retriever = BM25Retriever.from_texts(TEXTS)
    assert [d.page_content for d in await call(retriever, "zebra")] == TEXTS  # ties: corpus order
    assert len(retriever.invoke("cat", k=1)) == 1


async def test_tokens_are_case_sensitive_unless_preprocessed(call: Call) -> None:
    plain = BM25Retriever.from_texts(["Alice ran", "the rabbit"], k=1)
    assert (await call(plain, "alice"))[0].page_content == "Alice ran"  # tie: corpus order
    assert (await call(plain, "rabbit"))[0].page_content == "the rabbit"
    lowered = BM25Retriever.from_texts(
        ["the rabbit", "Alice ran"], k=1, preprocess_func=lambda t: t.lower().split()
    )
    assert (await call(lowered, "ALICE"))[0].page_content == "Alice ran"


def test_documents_keep_metadata_and_ids() -> None:
    retriever = BM25Retriever.from_texts(
        ["alpha", "beta"], metadatas=[{"n": 1}, {"n": 2}], ids=["a", "b"], k=1
    )
    assert retriever.invoke("beta") == [Document("beta", metadata={"n": 2}, id="b")]
    docs = [Document("gamma", metadata={"src": "x"})]
    assert BM25Retriever.from_documents(docs).invoke("gamma") == docs


async def test_an_empty_corpus_returns_nothing(call: Call) -> None:
    assert await call(BM25Retriever.from_texts([]), "anything") == []
    assert BM25Retriever.from_texts(["", "   "]).invoke("x") == [Document(""), Document("   ")]


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="got 2 texts but 1 metadatas"):
        BM25Retriever.from_texts(["a", "b"], metadatas=[{}])
    with pytest.raises(ValueError, match="got 1 texts but 2 ids"):
        BM25Retriever.from_texts(["a"], ids=["x", "y"])
    with pytest.raises(ValueError, match="unknown bm25_params \\['k'\\]"):
        BM25Retriever.from_texts(["a"], bm25_params={"k": 3})
    with pytest.raises(ValueError, match="0 <= b <= 1"):
        BM25Retriever.from_texts(["a"], bm25_params={"b": 2})
    with pytest.raises(ValidationError, match="greater than 0"):
        BM25Retriever.from_texts(["a"], k=0)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        BM25Retriever.from_texts(["a"]).invoke("a", k=-1)


async def test_reports_a_retriever_run(call: Call, recorder: Recorder) -> None:
    retriever = BM25Retriever.from_texts(TEXTS, k=1)
    await call(retriever, "bird", {"callbacks": [recorder]})
    start, end = recorder.records
    assert (start.hook, start.name, start.data) == ("on_retriever_start", "BM25Retriever", "bird")
    assert start.extra["metadata"] == {"ls_retriever_name": "bm25"}
    assert end.data == [Document("a bird sang")]
