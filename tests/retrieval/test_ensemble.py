"""EnsembleRetriever: weighted reciprocal rank fusion, child runs, concurrency, bad input."""

from __future__ import annotations

import anyio
import pytest
from pydantic import ValidationError

from runnel.callbacks import AsyncRunManager, RunManager
from runnel.documents import Document
from runnel.retrievers import BaseRetriever, BM25Retriever, EnsembleRetriever
from runnel.retrievers._ensemble import weighted_reciprocal_rank
from runnel.runnables import RunnableLambda

from .conftest import Call, Recorder

pytestmark = pytest.mark.anyio


class Fixed(BaseRetriever):
    """Returns the same ranked list for every query."""

    docs: list[Document]

    def _get_relevant_documents(self, query: str, *, run_manager: RunManager) -> list[Document]:
        return list(self.docs)


def d(text: str, **metadata: object) -> Document:
    return Document(text, metadata=metadata)


A, B, C, D = d("a"), d("b"), d("c"), d("d")


def test_fusion_scores_sum_weight_over_c_plus_rank() -> None:
    # a: 1/61 + 1/62, b: 1/62, c: 1/61, d: 1/63 -> a, c, b, d
    fused = weighted_reciprocal_rank([[A, B], [C, A, D]], [1.0, 1.0])
    assert fused == [A, C, B, D]
    # Weights favour a list: b (first list only) now beats c (second list only).
    assert weighted_reciprocal_rank([[A, B], [C, A, D]], [1.0, 0.1]) == [A, B, C, D]
    # A small c makes ranks matter more.
    assert weighted_reciprocal_rank([[B, A], [A, C]], [1.0, 1.0], c=0) == [A, B, C]


def test_duplicates_by_content_or_id_key_keep_the_first() -> None:
    first = d("same", src="x", key=1)
    second = d("same", src="y", key=2)
    assert weighted_reciprocal_rank([[first], [second]], [1.0, 1.0]) == [first]
    by_key = weighted_reciprocal_rank([[first], [second]], [1.0, 1.0], id_key="key")
    assert by_key == [first, second]


async def test_invoke_fuses_the_retrievers(call: Call) -> None:
    ensemble = EnsembleRetriever(
        retrievers=[Fixed(docs=[A, B]), Fixed(docs=[C, A, D])], weights=[0.5, 0.5]
    )
    assert await call(ensemble, "q") == [A, C, B, D]


async def test_default_weights_are_equal() -> None:
    ensemble = EnsembleRetriever(retrievers=[Fixed(docs=[A]), Fixed(docs=[B]), Fixed(docs=[C])])
    assert ensemble.weights == pytest.approx([1 / 3] * 3)


async def test_bm25_with_vector_search(call: Call) -> None:
    from runnel.embeddings import DeterministicFakeEmbedding
    from runnel.vectorstores import InMemoryVectorStore

    texts = ["the white rabbit", "the mad hatter", "the cheshire cat", "a white queen"]
    keyword = BM25Retriever.from_texts(texts, k=2)
    vectors = InMemoryVectorStore.from_texts(texts, DeterministicFakeEmbedding(size=16))
    ensemble = EnsembleRetriever(
        retrievers=[keyword, vectors.as_retriever(search_kwargs={"k": 2})], weights=[0.7, 0.3]
    )
    docs = await call(ensemble, "the mad hatter")
    assert docs[0].page_content == "the mad hatter"  # first for both retrievers
    assert len({doc.page_content for doc in docs}) == len(docs) <= 4


async def test_each_retriever_is_a_tagged_child_run(call: Call, recorder: Recorder) -> None:
    ensemble = EnsembleRetriever(
        retrievers=[Fixed(docs=[A], name="first"), RunnableLambda(lambda q: [B], name="second")]
    )
    assert await call(ensemble, "q", {"callbacks": [recorder]}) == [A, B]
    parent = recorder.by_name("EnsembleRetriever", "on_retriever_start")
    first = recorder.by_name("first", "on_retriever_start")
    second = recorder.by_name("second", "on_chain_start")
    assert first.parent_run_id == second.parent_run_id == parent.run_id
    assert first.extra["tags"] == ["retriever_1"]
    assert second.extra["tags"] == ["retriever_2"]
    assert recorder.by_name("EnsembleRetriever", "on_retriever_end").data == [A, B]


async def test_ainvoke_runs_the_retrievers_concurrently() -> None:
    log: list[str] = []
    both_started = anyio.Event()

    class Waiting(BaseRetriever):
        label: str

        async def _aget_relevant_documents(
            self, query: str, *, run_manager: AsyncRunManager
        ) -> list[Document]:
            log.append(f"start {self.label}")
            if len(log) == 2:
                both_started.set()
            await both_started.wait()  # deadlocks unless the other one started meanwhile
            log.append(f"end {self.label}")
            return [d(self.label)]

    ensemble = EnsembleRetriever(retrievers=[Waiting(label="x"), Waiting(label="y")])
    with anyio.fail_after(5):
        docs = await ensemble.ainvoke("q")
    assert [doc.page_content for doc in docs] == ["x", "y"]
    assert log[:2] == ["start x", "start y"]


async def test_a_failing_retriever_fails_the_ensemble(call: Call) -> None:
    def broken(query: str) -> list[Document]:
        raise LookupError("index offline")

    ensemble = EnsembleRetriever(retrievers=[Fixed(docs=[A]), RunnableLambda(broken)])
    with pytest.raises(LookupError, match="index offline"):
        await call(ensemble, "q")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"retrievers": []}, "needs at least one retriever"),
        ({"retrievers": [Fixed(docs=[])], "weights": [0.5, 0.5]}, "got 1 retrievers but 2 weights"),
        ({"retrievers": [Fixed(docs=[])], "weights": [-1.0]}, "must not be negative"),
        ({"retrievers": ["not a runnable"]}, "Runnable"),
        ({"retrievers": [Fixed(docs=[])], "c": -1}, "greater than or equal to 0"),
    ],
)
def test_bad_settings(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EnsembleRetriever(**kwargs)  # type: ignore[arg-type]
