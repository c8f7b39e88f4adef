"""Both vector stores through the VectorStore interface, InMemoryVectorStore on its own, and
the interface's defaults."""

from __future__ import annotations

import math
import uuid
from typing import Any

import pytest

from runnel.documents import Document
from runnel.vectorstores import InMemoryVectorStore, VectorStore

from .conftest import COMPASS, Store, TableEmbeddings, build_compass, texts

pytestmark = pytest.mark.anyio


def empty_store(store_class: Any) -> Any:
    if store_class is InMemoryVectorStore:
        return InMemoryVectorStore(TableEmbeddings())
    import faiss

    return store_class(TableEmbeddings(), faiss.IndexFlatL2(2))


# -- both stores -------------------------------------------------------------------------
async def test_search_by_vector(run: Store, store_class: Any) -> None:
    docs = await run(build_compass(store_class), "similarity_search_by_vector", [1.0, 0.1], k=1)
    assert texts(docs) == ["east"]


async def test_k_larger_than_the_store_returns_everything(run: Store, store_class: Any) -> None:
    for k in (100, 1000):
        docs = await run(build_compass(store_class), "similarity_search", "east", k=k)
        assert len(docs) == len(COMPASS)


@pytest.mark.parametrize("k", [0, -1, -2, 1.5, 2.5, True])
async def test_k_must_be_a_positive_integer(run: Store, store_class: Any, k: Any) -> None:
    with pytest.raises(ValueError, match="k must be a positive integer"):
        await run(build_compass(store_class), "similarity_search", "north", k=k)


async def test_an_empty_store(run: Store, store_class: Any) -> None:
    store = empty_store(store_class)
    assert await run(store, "similarity_search", "north") == []
    assert await run(store, "max_marginal_relevance_search", "north") == []
    assert await run(store, "add_texts", []) == []
    await run(store, "add_texts", ["north", "east"])
    assert texts(await run(store, "similarity_search", "north", k=1)) == ["north"]


async def test_mmr_trades_similarity_for_diversity(run: Store, store_class: Any) -> None:
    store = store_class.from_texts(["a", "a2", "b"], TableEmbeddings())
    similar = await run(store, "similarity_search", "diagonal", k=2)
    assert texts(similar) == ["a2", "a"]
    diverse = await run(store, "max_marginal_relevance_search", "diagonal", k=2, fetch_k=3)
    assert texts(diverse) == ["a2", "b"]
    plain = await run(
        store, "max_marginal_relevance_search", "diagonal", k=2, fetch_k=3, lambda_mult=1.0
    )
    assert texts(plain) == ["a2", "a"]
    only_fetched = await run(store, "max_marginal_relevance_search", "diagonal", k=3, fetch_k=1)
    assert texts(only_fetched) == ["a2"]
    filtered = await run(
        store, "max_marginal_relevance_search", "diagonal", k=2, filter={"$not": {}}
    )
    assert filtered == []
    mmr = store.as_retriever(search_type="mmr", search_kwargs={"k": 2, "fetch_k": 3})
    assert texts(mmr.invoke("diagonal")) == ["a2", "b"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "k must be a positive integer"),
        ({"fetch_k": 0}, "fetch_k must be a positive integer"),
        ({"lambda_mult": -0.1}, "lambda_mult must be between 0 and 1"),
        ({"lambda_mult": 2}, "lambda_mult must be between 0 and 1"),
    ],
)
async def test_mmr_bad_input(
    run: Store, store_class: Any, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await run(build_compass(store_class), "max_marginal_relevance_search", "north", **kwargs)


async def test_async_methods_use_the_async_embedding_calls(store_class: Any) -> None:
    embedding = TableEmbeddings()
    store = await store_class.afrom_texts(["north", "east"], embedding)
    await store.aadd_texts(["south"])
    await store.asimilarity_search("north")
    await store.amax_marginal_relevance_search("north")
    assert embedding.calls == [
        "aembed_documents",
        "aembed_documents",
        "aembed_query",
        "aembed_query",
    ]


async def test_stored_documents_are_copies(run: Store, store_class: Any) -> None:
    store = store_class.from_texts(["east"], TableEmbeddings())
    metadata = {"k": 1}
    await run(store, "add_texts", ["north"], metadatas=[metadata], ids=["x"])
    metadata["k"] = 2
    (found,) = await run(store, "get_by_ids", ["x"])
    found.metadata["k"] = 3
    (hit,) = await run(store, "similarity_search", "north", k=1)
    hit.metadata["k"] = 4
    assert store.get_by_ids(["x"])[0].metadata == {"k": 1}


async def test_get_by_ids_keeps_order_and_skips_unknown(run: Store, store_class: Any) -> None:
    store = store_class.from_texts(["south"], TableEmbeddings(), ids=["s"])
    await run(store, "add_texts", ["north", "east"], metadatas=[{"n": 1}, {"n": 2}], ids=["n", "e"])
    docs = await run(store, "get_by_ids", ["e", "missing", "n"])
    assert docs == [
        Document("east", metadata={"n": 2}, id="e"),
        Document("north", metadata={"n": 1}, id="n"),
    ]


async def test_dimension_mismatch_names_both_sizes(run: Store, store_class: Any) -> None:
    store = build_compass(store_class)
    stored = "the index has" if store_class.__name__ == "FAISS" else "the stored vectors have"
    with pytest.raises(ValueError, match=f"the new vectors have 3 dimensions but {stored} 2"):
        await run(store, "add_texts", ["three-d"])
    with pytest.raises(ValueError, match=f"query embedding has 3 dimensions but {stored} 2"):
        await run(store, "similarity_search", "three-d")
    with pytest.raises(ValueError, match=f"query embedding has 3 dimensions but {stored} 2"):
        await run(store, "max_marginal_relevance_search", "three-d")
    with pytest.raises(ValueError, match="vectors of different sizes"):
        await run(store, "add_texts", ["north", "three-d"])


async def test_mismatched_lengths_fail_before_embedding(run: Store, store_class: Any) -> None:
    embedding = TableEmbeddings()
    store = store_class.from_texts(["north"], embedding)
    with pytest.raises(ValueError, match="2 texts but 1 ids"):
        await run(store, "add_texts", ["north", "east"], ids=["only-one"])
    with pytest.raises(ValueError, match="2 texts but 3 metadatas"):
        await run(store, "add_texts", ["north", "east"], metadatas=[{}, {}, {}])
    with pytest.raises(ValueError, match="2 texts but 3 metadatas"):
        store_class.from_texts(["north", "east"], embedding, metadatas=[{}, {}, {}])
    assert embedding.calls == ["embed_documents"]


async def test_embedding_model_returning_too_few_vectors(run: Store, store_class: Any) -> None:
    class Short(TableEmbeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[1.0, 0.0]]

        async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[1.0, 0.0]]

    store = store_class.from_texts(["north"], Short())
    with pytest.raises(ValueError, match="Short returned 1 vectors for 2 texts"):
        await run(store, "add_texts", ["north", "east"])


# -- InMemoryVectorStore -----------------------------------------------------------------
@pytest.fixture
def compass() -> InMemoryVectorStore:
    store: InMemoryVectorStore = build_compass(InMemoryVectorStore)
    return store


async def test_similarity_search_orders_by_cosine(run: Store, compass: InMemoryVectorStore) -> None:
    docs = await run(compass, "similarity_search", "north", k=3)
    assert texts(docs) == ["north", "north again", "north-east"]
    assert docs[2].metadata == {"i": 2, "even": True}


async def test_scores_are_cosine_similarities(run: Store, compass: InMemoryVectorStore) -> None:
    scored = await run(compass, "similarity_search_with_score", "north", k=5)
    assert texts([d for d, _ in scored]) == COMPASS
    assert [s for _, s in scored] == pytest.approx([1.0, 1.0, 1 / math.sqrt(2), 0.0, -1.0])


async def test_relevance_scores_and_threshold(run: Store, compass: InMemoryVectorStore) -> None:
    scored = await run(compass, "similarity_search_with_relevance_scores", "north", k=5)
    assert [s for _, s in scored] == pytest.approx([1.0, 1.0, 1 / math.sqrt(2), 0.0, 0.0])
    kept = await run(
        compass, "similarity_search_with_relevance_scores", "north", k=5, score_threshold=0.5
    )
    assert texts([d for d, _ in kept]) == ["north", "north again", "north-east"]


async def test_filter_is_a_function_of_the_document(
    run: Store, compass: InMemoryVectorStore
) -> None:
    seen: list[Document] = []

    def odd(doc: Document) -> bool:
        seen.append(doc)
        return doc.metadata["i"] % 2 == 1

    docs = await run(compass, "similarity_search", "north", k=10, filter=odd)
    assert texts(docs) == ["north again", "east"]
    assert all(doc.id is not None for doc in seen)


async def test_ids_assigned_given_or_taken_from_documents(run: Store) -> None:
    store = InMemoryVectorStore(TableEmbeddings())
    generated = await run(store, "add_texts", ["north"])
    assert uuid.UUID(generated[0]).version == 4
    given = await run(store, "add_texts", ["east"], ids=["e1"])
    assert given == ["e1"]
    from_docs = await run(store, "add_documents", [Document("south", id="s1"), Document("a")])
    assert from_docs[0] == "s1"
    assert uuid.UUID(from_docs[1])
    assert len(store.store) == 4


async def test_delete(run: Store) -> None:
    store = InMemoryVectorStore(TableEmbeddings())
    await run(store, "add_texts", ["north", "east", "south"], ids=["n", "e", "s"])
    await run(store, "delete", ["e", "unknown"])
    assert sorted(store.store) == ["n", "s"]
    await run(store, "delete", None)  # deletes nothing
    assert texts(await run(store, "similarity_search", "east", k=5)) == ["north", "south"]


async def test_adding_an_existing_id_replaces_the_document(run: Store) -> None:
    store = InMemoryVectorStore(TableEmbeddings())
    await run(store, "add_texts", ["north"], ids=["x"])
    await run(store, "add_texts", ["east"], ids=["x"])
    assert texts(await run(store, "get_by_ids", ["x"])) == ["east"]


async def test_from_documents_keeps_ids_and_metadata(run: Store) -> None:
    docs = [Document("north", metadata={"m": 1}, id="n"), Document("east", metadata={"m": 2})]
    if run.mode == "sync":
        store = InMemoryVectorStore.from_documents(docs, TableEmbeddings())
    else:
        store = await InMemoryVectorStore.afrom_documents(docs, TableEmbeddings())
    assert store.get_by_ids(["n"]) == [docs[0]]
    assert sorted(d["metadata"]["m"] for d in store.store.values()) == [1, 2]


async def test_search_dispatch(run: Store, compass: InMemoryVectorStore) -> None:
    docs = await run(compass, "search", "north", "similarity", k=1)
    assert texts(docs) == ["north"]
    docs = await run(compass, "search", "north", "similarity_score_threshold", score_threshold=0.9)
    assert texts(docs) == ["north", "north again"]
    with pytest.raises(ValueError, match="'similarity', 'similarity_score_threshold', 'mmr'"):
        await run(compass, "search", "north", "nearest")


class TextsOnly(VectorStore):
    """A minimal store: add_texts, similarity_search and from_texts only."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, dict[str, Any], str | None]] = []

    def add_texts(
        self,
        texts: Any,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        texts = list(texts)
        ids = ids or [str(len(self.rows) + i) for i in range(len(texts))]
        for i, text in enumerate(texts):
            self.rows.append((text, (metadatas or [{}] * len(texts))[i], ids[i]))
        return ids

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        return [Document(t, metadata=m, id=i) for t, m, i in self.rows if query in t][:k]

    @classmethod
    def from_texts(
        cls, texts: Any, embedding: Any, metadatas: Any = None, *, ids: Any = None, **kwargs: Any
    ) -> TextsOnly:
        store = cls()
        store.add_texts(texts, metadatas, ids=ids)
        return store


async def test_interface_defaults_derive_from_add_texts(run: Store) -> None:
    store = TextsOnly()
    ids = await run(
        store,
        "add_documents",
        [Document("red apple", metadata={"c": "r"}, id="x"), Document("green apple")],
    )
    assert ids[0] == "x"
    assert store.rows[0] == ("red apple", {"c": "r"}, "x")
    assert texts(await run(store, "similarity_search", "apple")) == ["red apple", "green apple"]
    with pytest.raises(NotImplementedError, match="does not support MMR"):
        await run(store, "max_marginal_relevance_search", "apple")
    with pytest.raises(NotImplementedError, match="does not support delete"):
        await run(store, "delete", ["x"])
    retriever = store.as_retriever(search_kwargs={"k": 1})
    assert retriever.tags == ["TextsOnly"]
    assert texts(retriever.invoke("apple")) == ["red apple"]


async def test_interface_without_any_add_method() -> None:
    class Nothing(VectorStore):
        def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
            return []

        @classmethod
        def from_texts(
            cls,
            texts: Any,
            embedding: Any,
            metadatas: Any = None,
            *,
            ids: Any = None,
            **kwargs: Any,
        ) -> Nothing:
            return cls()

    with pytest.raises(NotImplementedError, match="implements neither add_texts nor add_documents"):
        Nothing().add_texts(["x"])
    with pytest.raises(NotImplementedError, match="implements neither"):
        Nothing().add_documents([Document("x")])
