"""BaseRetriever subclasses and VectorStoreRetriever: results, streaming, run reporting."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pydantic import ValidationError

from runnel.callbacks import AsyncRunManager, RunManager
from runnel.documents import Document
from runnel.embeddings import DeterministicFakeEmbedding
from runnel.retrievers import BaseRetriever
from runnel.runnables import RunnableLambda, RunnableParallel
from runnel.vectorstores import InMemoryVectorStore, VectorStoreRetriever

from .conftest import Call, Recorder

pytestmark = pytest.mark.anyio

DOCS = [Document("red apple"), Document("green apple"), Document("yellow banana")]


class KeywordRetriever(BaseRetriever):
    """Documents containing the query; `limit` may be given per call."""

    docs: list[Document]

    def _get_relevant_documents(
        self, query: str, *, run_manager: RunManager, limit: int = 10
    ) -> list[Document]:
        return [d for d in self.docs if query in d.page_content][:limit]


async def test_invoke_returns_documents(call: Call) -> None:
    retriever = KeywordRetriever(docs=DOCS)
    assert await call(retriever, "apple") == DOCS[:2]


async def test_invoke_kwargs_reach_the_implementation() -> None:
    retriever = KeywordRetriever(docs=DOCS)
    assert retriever.invoke("apple", limit=1) == DOCS[:1]
    assert await retriever.ainvoke("apple", limit=1) == DOCS[:1]


async def test_stream_yields_the_whole_list_once() -> None:
    retriever = KeywordRetriever(docs=DOCS)
    assert list(retriever.stream("apple")) == [DOCS[:2]]
    assert [chunk async for chunk in retriever.astream("apple")] == [DOCS[:2]]


async def test_run_reporting(call: Call, recorder: Recorder) -> None:
    retriever = KeywordRetriever(docs=DOCS, tags=["kw"], metadata={"source": "test"})
    config = {"callbacks": [recorder], "tags": ["call"], "metadata": {"m": 1}}
    await call(retriever, "banana", config)
    start, end = recorder.records
    assert (start.hook, start.name, start.data) == (
        "on_retriever_start",
        "KeywordRetriever",
        "banana",
    )
    assert sorted(start.extra["tags"]) == ["call", "kw"]
    assert start.extra["metadata"] == {"m": 1, "ls_retriever_name": "keyword", "source": "test"}
    assert (end.hook, end.data, end.run_id) == ("on_retriever_end", [DOCS[2]], start.run_id)


async def test_errors_are_reported(call: Call, recorder: Recorder) -> None:
    class Broken(BaseRetriever):
        def _get_relevant_documents(self, query: str, *, run_manager: RunManager) -> list[Document]:
            raise LookupError("index offline")

    with pytest.raises(LookupError, match="index offline"):
        await call(Broken(), "q", {"callbacks": [recorder]})
    assert recorder.hooks() == [("on_retriever_start", "Broken"), ("on_retriever_error", "Broken")]


async def test_runnables_invoked_inside_are_children(call: Call, recorder: Recorder) -> None:
    normalise = RunnableLambda(lambda q: q.strip().lower(), name="normalise")

    class Normalising(BaseRetriever):
        def _get_relevant_documents(self, query: str, *, run_manager: RunManager) -> list[Document]:
            cleaned = normalise.invoke(query)  # nothing passed: still a child run
            return [d for d in DOCS if cleaned in d.page_content]

    tagged = Normalising(tags=["own"])
    assert await call(tagged, "  APPLE ", {"callbacks": [recorder]}) == DOCS[:2]
    retriever_start = recorder.by_name("Normalising", "on_retriever_start")
    child = recorder.by_name("normalise", "on_chain_start")
    assert child.parent_run_id == retriever_start.run_id
    assert child.extra["tags"] == []  # the retriever's tags are its own


async def test_run_manager_is_passed() -> None:
    managers: list[Any] = []

    class Spy(BaseRetriever):
        def _get_relevant_documents(self, query: str, *, run_manager: RunManager) -> list[Document]:
            managers.append(run_manager)
            return []

    recorder = Recorder()
    Spy().invoke("q", {"callbacks": [recorder]})
    assert isinstance(managers[0], RunManager)
    assert managers[0].run_id == recorder.records[0].run_id


async def test_old_style_retriever_without_run_manager() -> None:
    class Old(BaseRetriever):
        def _get_relevant_documents(self, query: str) -> list[Document]:  # type: ignore[override]
            return [Document(query)]

    assert Old().invoke("q") == [Document("q")]
    assert await Old().ainvoke("q") == [Document("q")]


async def test_sync_implementation_runs_in_a_worker_thread_under_ainvoke() -> None:
    threads: list[threading.Thread] = []

    class Where(BaseRetriever):
        def _get_relevant_documents(self, query: str, *, run_manager: RunManager) -> list[Document]:
            threads.append(threading.current_thread())
            return []

    await Where().ainvoke("q")
    assert threads[0] is not threading.current_thread()


async def test_async_implementation_is_used_natively() -> None:
    seen: list[tuple[str, Any]] = []

    class Both(BaseRetriever):
        def _get_relevant_documents(self, query: str, *, run_manager: RunManager) -> list[Document]:
            seen.append(("sync", run_manager))
            return [Document("sync")]

        async def _aget_relevant_documents(
            self, query: str, *, run_manager: AsyncRunManager
        ) -> list[Document]:
            seen.append(("async", run_manager))
            return [Document("async")]

    assert Both().invoke("q") == [Document("sync")]
    assert await Both().ainvoke("q") == [Document("async")]
    assert [kind for kind, _ in seen] == ["sync", "async"]
    assert isinstance(seen[1][1], AsyncRunManager)


async def test_retriever_in_a_chain_reports_query_input() -> None:
    retriever = KeywordRetriever(docs=DOCS).with_config(run_name="Docs")
    chain = RunnableParallel(
        {"docs": retriever, "q": RunnableLambda(lambda q: q)}
    ) | RunnableLambda(lambda d: len(d["docs"]))
    events = [e async for e in chain.astream_events("apple", version="v2") if e["name"] == "Docs"]
    assert [(e["event"], e["data"]) for e in events] == [
        ("on_retriever_start", {"input": {"query": "apple"}}),
        ("on_retriever_end", {"input": {"query": "apple"}, "output": DOCS[:2]}),
    ]


# -- VectorStoreRetriever ---------------------------------------------------------------
@pytest.fixture
def store() -> InMemoryVectorStore:
    texts = ["harrison worked at kensho", "harrison likes spicy food", "bears like honey"]
    return InMemoryVectorStore.from_texts(texts, DeterministicFakeEmbedding(size=32))


async def test_as_retriever_defaults(
    call: Call, store: InMemoryVectorStore, recorder: Recorder
) -> None:
    retriever = store.as_retriever()
    assert isinstance(retriever, VectorStoreRetriever)
    assert retriever.tags == ["InMemoryVectorStore", "DeterministicFakeEmbedding"]
    docs = await call(retriever, "bears like honey", {"callbacks": [recorder]})
    assert len(docs) == 3
    assert docs[0].page_content == "bears like honey"
    assert recorder.records[0].extra["metadata"] == {
        "ls_retriever_name": "vectorstore",
        "ls_vector_store_provider": "InMemoryVectorStore",
        "ls_embedding_provider": "DeterministicFakeEmbedding",
    }


async def test_search_kwargs_and_per_call_overrides(call: Call, store: InMemoryVectorStore) -> None:
    retriever = store.as_retriever(search_kwargs={"k": 2})
    assert len(await call(retriever, "harrison likes spicy food")) == 2
    only_bears = store.as_retriever(search_kwargs={"filter": lambda d: "bears" in d.page_content})
    assert [d.page_content for d in await call(only_bears, "harrison")] == ["bears like honey"]
    assert len(retriever.invoke("x", k=1)) == 1


async def test_threshold_and_mmr_search_types(call: Call, store: InMemoryVectorStore) -> None:
    exact = store.as_retriever(
        search_type="similarity_score_threshold", search_kwargs={"score_threshold": 0.999}
    )
    assert [d.page_content for d in await call(exact, "bears like honey")] == ["bears like honey"]
    mmr = store.as_retriever(search_type="mmr", search_kwargs={"k": 2, "fetch_k": 3})
    docs = await call(mmr, "harrison worked at kensho")
    assert len(docs) == 2
    assert docs[0].page_content == "harrison worked at kensho"


async def test_bad_search_settings(store: InMemoryVectorStore) -> None:
    with pytest.raises(ValueError, match="'similarity', 'similarity_score_threshold', 'mmr'"):
        store.as_retriever(search_type="nearest")
    with pytest.raises(ValidationError, match="needs search_kwargs\\['score_threshold'\\]"):
        store.as_retriever(search_type="similarity_score_threshold")


async def test_retriever_adds_documents(store: InMemoryVectorStore) -> None:
    retriever = store.as_retriever(tags=["mine"])
    assert retriever.tags == ["mine"]
    (doc_id,) = retriever.add_documents([Document("cats like fish")])
    (other,) = await retriever.aadd_documents([Document("dogs like bones")])
    assert [d.page_content for d in store.get_by_ids([doc_id, other])] == [
        "cats like fish",
        "dogs like bones",
    ]
