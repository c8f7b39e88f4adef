"""Embeddings: the interface's async defaults and the fake models."""

from __future__ import annotations

import threading

import pytest

from runnel.embeddings import DeterministicFakeEmbedding, Embeddings, FakeEmbeddings

pytestmark = pytest.mark.anyio


def test_deterministic_embedding_is_stable_and_sized() -> None:
    first = DeterministicFakeEmbedding(size=16)
    second = DeterministicFakeEmbedding(16)
    vector = first.embed_query("hello")
    assert len(vector) == 16
    assert all(isinstance(x, float) for x in vector)
    assert second.embed_query("hello") == vector
    assert first.embed_documents(["hello", "world"])[0] == vector
    assert first.embed_query("world") != vector


def test_fake_embeddings_are_random() -> None:
    fake = FakeEmbeddings(size=8)
    a, b = fake.embed_documents(["same", "same"])
    assert len(a) == len(b) == 8
    assert a != b


@pytest.mark.parametrize("size", [0, -3])
def test_size_must_be_positive(size: int) -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        DeterministicFakeEmbedding(size=size)


async def test_fake_async_twins_match() -> None:
    fake = DeterministicFakeEmbedding(size=4)
    assert await fake.aembed_query("x") == fake.embed_query("x")
    assert await fake.aembed_documents(["x", "y"]) == fake.embed_documents(["x", "y"])


async def test_interface_async_defaults_run_in_a_worker_thread() -> None:
    threads: list[threading.Thread] = []

    class Lengths(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            threads.append(threading.current_thread())
            return [[float(len(t))] for t in texts]

        def embed_query(self, text: str) -> list[float]:
            threads.append(threading.current_thread())
            return [float(len(text))]

    model = Lengths()
    assert await model.aembed_documents(["ab", "c"]) == [[2.0], [1.0]]
    assert await model.aembed_query("abc") == [3.0]
    assert threading.current_thread() not in threads
