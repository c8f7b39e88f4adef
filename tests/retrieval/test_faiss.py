"""FAISS: scores, filters, ids, bad input and the optional dependency (the searches both stores
share are tested in test_vectorstore.py)."""

from __future__ import annotations

import math
import subprocess
import sys
import uuid
from typing import Any

import pytest

from runnel.documents import Document
from runnel.embeddings import DeterministicFakeEmbedding
from runnel.vectorstores import FAISS, DistanceStrategy, VectorStoreRetriever

from .conftest import COMPASS, Store, TableEmbeddings, build_compass, texts

faiss = pytest.importorskip("faiss")

pytestmark = pytest.mark.anyio


def compass(**kwargs: Any) -> FAISS:
    store: FAISS = build_compass(FAISS, **kwargs)
    return store


# -- searching ---------------------------------------------------------------------------
async def test_euclidean_scores_are_squared_distances(run: Store) -> None:
    scored = await run(compass(), "similarity_search_with_score", "north", k=5)
    found = texts([d for d, _ in scored])
    assert (found[0], set(found[1:3]), found[3:]) == (
        "north",
        {"north again", "north-east"},  # both at squared distance 1
        ["east", "south"],
    )
    assert [s for _, s in scored] == pytest.approx([0.0, 1.0, 1.0, 2.0, 4.0])
    first = scored[0][0]
    assert first == Document("north", metadata={"i": 0, "even": True}, id="id0")


async def test_inner_product_and_cosine_scores(run: Store) -> None:
    ip = await run(
        compass(distance_strategy=DistanceStrategy.MAX_INNER_PRODUCT),
        "similarity_search_with_score",
        "north",
        k=2,
    )
    assert [(d.page_content, s) for d, s in ip] == [("north again", 2.0), ("north", 1.0)]
    cos = await run(
        compass(distance_strategy="COSINE"), "similarity_search_with_score", "north", k=3
    )
    assert [d.page_content for d, _ in cos][:2] in (
        ["north", "north again"],
        ["north again", "north"],
    )
    assert [s for _, s in cos] == pytest.approx([1.0, 1.0, 1 / math.sqrt(2)], abs=1e-6)


async def test_relevance_scores_are_clamped_cosines(run: Store) -> None:
    for strategy in ("EUCLIDEAN_DISTANCE", "COSINE"):
        store = compass(distance_strategy=strategy, normalize_L2=True)
        scored = await run(store, "similarity_search_with_relevance_scores", "north", k=5)
        assert sorted(s for _, s in scored) == pytest.approx(
            sorted([1.0, 1.0, 1 / math.sqrt(2), 0.0, 0.0]), abs=1e-6
        )


async def test_score_threshold_keeps_close_enough_scores(run: Store) -> None:
    scored = await run(compass(), "similarity_search_with_score", "north", k=5, score_threshold=1.0)
    assert sorted(texts([d for d, _ in scored])) == ["north", "north again", "north-east"]
    retriever = compass(normalize_L2=True).as_retriever(
        search_type="similarity_score_threshold", search_kwargs={"score_threshold": 0.9, "k": 5}
    )
    assert sorted(texts(retriever.invoke("north"))) == ["north", "north again"]


async def test_filters_apply_to_the_whole_store(run: Store) -> None:
    store = compass()
    docs = await run(store, "similarity_search", "north", k=5, filter={"even": True})
    assert texts(docs) == ["north", "north-east", "south"]
    # Far more matches than fetch_k would reach: the search widens.
    only_south = await run(store, "similarity_search", "north", k=1, fetch_k=1, filter={"i": 4})
    assert texts(only_south) == ["south"]
    by_function = await run(
        store, "similarity_search", "north", k=5, filter=lambda metadata: metadata["i"] >= 3
    )
    assert texts(by_function) == ["east", "south"]
    assert await run(store, "similarity_search", "north", filter={"i": 99}) == []


async def test_retriever_over_faiss(recorder: Any) -> None:
    store = compass()
    retriever = store.as_retriever(search_kwargs={"k": 2})
    assert isinstance(retriever, VectorStoreRetriever)
    assert retriever.tags == ["FAISS", "TableEmbeddings"]
    assert texts(await retriever.ainvoke("east", {"callbacks": [recorder]})) == [
        "east",
        "north-east",
    ]
    assert recorder.records[0].extra["metadata"]["ls_vector_store_provider"] == "FAISS"
    with pytest.raises(ValueError, match="search_type 'nearest' is not supported"):
        store.as_retriever(search_type="nearest")


# -- writing -----------------------------------------------------------------------------
async def test_ids_given_generated_or_from_documents(run: Store) -> None:
    store = FAISS.from_texts(["north"], TableEmbeddings(), ids=["n"])
    generated = await run(store, "add_texts", ["east"])
    assert uuid.UUID(generated[0]).version == 4
    from_docs = await run(store, "add_documents", [Document("south", id="s")])
    assert from_docs == ["s"]
    assert texts(store.get_by_ids(["s", "unknown", "n"])) == ["south", "north"]
    assert texts(await store.aget_by_ids(generated)) == ["east"]


async def test_adding_an_existing_id_is_refused(run: Store) -> None:
    store = compass()
    with pytest.raises(ValueError, match="ids already in the store: \\['id1'\\]"):
        await run(store, "add_texts", ["east"], ids=["id1"])
    with pytest.raises(ValueError, match="repeat an id"):
        await run(store, "add_texts", ["east", "south"], ids=["x", "x"])
    assert store.index.ntotal == len(COMPASS)


async def test_delete_keeps_positions_and_ids_consistent(run: Store) -> None:
    store = compass()
    assert await run(store, "delete", ["id1", "id3"]) is True
    assert store.index.ntotal == 3
    assert store.index_to_docstore_id == {0: "id0", 1: "id2", 2: "id4"}
    assert texts(await run(store, "similarity_search", "east", k=5)) == [
        "north-east",
        "north",
        "south",
    ]
    with pytest.raises(ValueError, match="ids not in the store: \\['id1'\\]"):
        await run(store, "delete", ["id1"])
    with pytest.raises(ValueError, match="delete needs the ids"):
        await run(store, "delete")


def test_from_embeddings_add_embeddings_and_merge() -> None:
    left = FAISS.from_embeddings([("x", [1.0, 0.0])], TableEmbeddings(), ids=["x"])
    left.add_embeddings([("y", [0.0, 1.0])], ids=["y"])
    right = FAISS.from_embeddings(
        [("z", [1.0, 1.0])], TableEmbeddings(), metadatas=[{"m": 1}], ids=["z"]
    )
    left.merge_from(right)
    assert left.index.ntotal == 3
    assert left.get_by_ids(["z"]) == [Document("z", metadata={"m": 1}, id="z")]
    assert texts(left.similarity_search_by_vector([0.9, 1.0], k=1)) == ["z"]
    with pytest.raises(ValueError, match="cannot merge a 3-dimensional store"):
        left.merge_from(FAISS.from_embeddings([("w", [1.0, 2.0, 3.0])], TableEmbeddings()))


# -- bad input ---------------------------------------------------------------------------
async def test_no_texts(run: Store) -> None:
    with pytest.raises(ValueError, match="needs at least one text"):
        if run.mode == "sync":
            FAISS.from_texts([], TableEmbeddings())
        else:
            await FAISS.afrom_texts([], TableEmbeddings())


async def test_non_finite_vectors_are_refused(run: Store) -> None:
    with pytest.raises(ValueError, match="NaN or infinite"):
        await run(compass(), "add_texts", ["broken"])


def test_texts_must_be_strings() -> None:
    with pytest.raises(TypeError, match="texts must be strings"):
        compass().add_embeddings([(3, [1.0, 0.0])])  # type: ignore[list-item]


def test_constructor_checks() -> None:
    with pytest.raises(ValueError, match="does not support distance_strategy 'JACCARD'"):
        FAISS(TableEmbeddings(), faiss.IndexFlatL2(2), distance_strategy="JACCARD")
    with pytest.raises(ValueError, match="does not support distance_strategy 'manhattan'"):
        FAISS.from_texts(["north"], TableEmbeddings(), distance_strategy="manhattan")
    with pytest.raises(ValueError, match="MAX_INNER_PRODUCT needs an index with the inner product"):
        FAISS(TableEmbeddings(), faiss.IndexFlatL2(2), distance_strategy="MAX_INNER_PRODUCT")
    with pytest.raises(TypeError, match="must be an Embeddings model"):
        FAISS(lambda text: [1.0], faiss.IndexFlatL2(2))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="index_to_docstore_id must map each of the index's 0"):
        FAISS(TableEmbeddings(), faiss.IndexFlatL2(2), {"a": Document("a")}, {3: "a"})
    with pytest.raises(TypeError, match="unexpected keyword argument 'nlist'"):
        FAISS.from_texts(["north"], TableEmbeddings(), nlist=3)


# -- the optional dependency ---------------------------------------------------------------
def test_without_faiss_using_it_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "faiss", None)
    with pytest.raises(ImportError, match='pip install "runnel\\[faiss\\]"'):
        FAISS.from_texts(["north"], TableEmbeddings())
    with pytest.raises(ImportError, match="runnel\\[faiss\\]"):
        FAISS.load_local("anywhere", TableEmbeddings())


def test_importing_the_packages_loads_no_optional_dependency() -> None:
    code = (
        "import sys\n"
        "import runnel.vectorstores, runnel.retrievers, runnel.text_splitters\n"
        "import runnel.providers.huggingface\n"
        "from runnel.vectorstores import FAISS\n"
        "from runnel.providers.huggingface import HuggingFaceEmbeddings\n"
        "heavy = {'faiss', 'torch', 'sentence_transformers', 'tiktoken'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_fake_embedding_store_round_trip() -> None:
    store = FAISS.from_texts(
        ["harrison worked at kensho", "bears like honey"], DeterministicFakeEmbedding(size=16)
    )
    assert texts(store.similarity_search("bears like honey", k=1)) == ["bears like honey"]
    assert "FAISS(" in repr(store)
