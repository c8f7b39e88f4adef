"""OpenAIEmbeddings against the fake server's deterministic embeddings."""

from __future__ import annotations

import math
from typing import Any

import pytest

from runnel.embeddings import Embeddings
from runnel.exceptions import MissingAPIKeyError, ProviderError
from runnel.providers.openai import OpenAIEmbeddings
from runnel.testing import FakeProviderServer
from runnel.testing._openai import embed_text

pytestmark = pytest.mark.anyio

DOCS = ["harrison worked at kensho", "harrison likes spicy food", "bears eat honey"]


def embeddings(server: FakeProviderServer, **kwargs: Any) -> OpenAIEmbeddings:
    kwargs.setdefault("base_url", server.url + "/v1")
    return OpenAIEmbeddings(api_key="sk-test", **kwargs)


def same(vectors: list[list[float]], expected: list[list[float]]) -> bool:
    """Equal up to float32 rounding (the SDK asks for base64-encoded float32 vectors)."""
    return len(vectors) == len(expected) and all(
        v == pytest.approx(e, abs=1e-6) for v, e in zip(vectors, expected, strict=True)
    )


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.hypot(*a) / math.hypot(*b)


async def test_embed_documents_and_query(server: FakeProviderServer) -> None:
    model = embeddings(server, model="text-embedding-3-small")
    assert isinstance(model, Embeddings)
    vectors = model.embed_documents(DOCS)
    assert same(vectors, [embed_text(d, 1536) for d in DOCS])
    query = await model.aembed_query("where did harrison work?")
    assert len(query) == 1536
    scores = [cosine(query, v) for v in vectors]
    assert scores.index(max(scores)) == 0
    assert await model.aembed_documents(DOCS) == vectors
    assert server.requests[0].json["model"] == "text-embedding-3-small"


async def test_batches_of_chunk_size_and_dimensions(server: FakeProviderServer) -> None:
    model = embeddings(server, chunk_size=2, dimensions=8)
    texts = [f"text number {i}" for i in range(5)]
    vectors = model.embed_documents(texts)
    assert [len(v) for v in vectors] == [8] * 5
    assert same(vectors, [embed_text(t, 8) for t in texts])
    sent = [r.json["input"] for r in server.requests]
    assert sent == [texts[0:2], texts[2:4], texts[4:5]]
    assert all(r.json["dimensions"] == 8 for r in server.requests)
    assert model.embed_documents([]) == []
    assert len(server.requests) == 3


async def test_failures_surface_as_provider_errors(server: FakeProviderServer) -> None:
    model = embeddings(server, base_url=server.url + "/nowhere", max_retries=0)
    with pytest.raises(ProviderError, match="no fake route") as info:
        model.embed_query("x")
    assert info.value.status_code == 404
    with pytest.raises(ProviderError, match="no fake route"):
        await model.aembed_query("x")


def test_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY"):
        OpenAIEmbeddings()
    assert "sk-hidden" not in repr(OpenAIEmbeddings(api_key="sk-hidden"))
