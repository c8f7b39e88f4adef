#!/usr/bin/env python3
"""Retrieval benchmark: InMemoryVectorStore against FAISS, and the local embedding model.

    python bench/retrieval.py [--quick] [--vectors N] [--queries Q] [--only stores|model]

1. Vector stores: build (`from_texts`) and query (`similarity_search`, k=4) a store of
   N random unit vectors of 384 dimensions (default 100,000), the width of
   all-MiniLM-L6-v2. The "embedding model" returns precomputed vectors, so the figures
   are the stores' own cost (plus the list-of-floats hand-over every `Embeddings` pays).
   Both stores search exactly; the benchmark checks they return the same documents.
   "hand-over" is the part of each build spent turning the vectors into Python lists
   (what an `Embeddings` returns), before the store converts them back.
2. The local model (`HuggingFaceEmbeddings`, needs `runnel[local]`): texts embedded per
   second for chunks of about 200 characters, after a warm-up.

Needs `runnel[faiss]` (and `runnel[local]` for part 2, skipped without it). The last line
printed is the figures as JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from runnel.embeddings import Embeddings
from runnel.vectorstores import FAISS, InMemoryVectorStore

DIMENSION = 384
K = 4
ALICE = Path(__file__).resolve().parent.parent / "tests" / "retrieval" / "data" / "alice29.txt"


class Precomputed(Embeddings):
    """Text "doc <i>" -> row i of `documents`; "query <j>" -> row j of `queries`."""

    def __init__(self, documents: np.ndarray[Any, Any], queries: np.ndarray[Any, Any]) -> None:
        self.documents = documents
        self.queries = queries

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        rows = [int(text.split()[1]) for text in texts]
        vectors: list[list[float]] = self.documents[rows].tolist()
        return vectors

    def embed_query(self, text: str) -> list[float]:
        vector: list[float] = self.queries[int(text.split()[1])].tolist()
        return vector


def unit_vectors(count: int, seed: int) -> np.ndarray[Any, Any]:
    vectors = np.random.default_rng(seed).normal(size=(count, DIMENSION)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def timed(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    gc.collect()
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - start


def query_times(store: Any, queries: int) -> tuple[list[list[str]], float]:
    """Results and median seconds per query."""
    results, seconds = [], []
    for j in range(queries):
        docs, elapsed = timed(store.similarity_search, f"query {j}", k=K)
        results.append([doc.page_content for doc in docs])
        seconds.append(elapsed)
    return results, statistics.median(seconds)


def bench_stores(count: int, queries: int, slow_queries: int) -> dict[str, float]:
    embedding = Precomputed(unit_vectors(count, seed=1), unit_vectors(queries, seed=2))
    texts = [f"doc {i}" for i in range(count)]
    out: dict[str, float] = {}

    _, out["hand-over of the vectors as lists s"] = timed(embedding.embed_documents, texts)
    _, out["raw faiss IndexFlatL2.add s"] = timed(
        faiss.IndexFlatL2(DIMENSION).add, embedding.documents
    )
    faiss_store, out["faiss build s"] = timed(FAISS.from_texts, texts, embedding)
    faiss_results, out["faiss query ms"] = query_times(faiss_store, queries)
    out["faiss query ms"] *= 1000
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    _, out["faiss query ms (1 OpenMP thread)"] = query_times(faiss_store, queries)
    out["faiss query ms (1 OpenMP thread)"] *= 1000
    faiss.omp_set_num_threads(threads)
    with tempfile.TemporaryDirectory() as folder:
        _, out["faiss save_local s"] = timed(faiss_store.save_local, folder)
        loaded, out["faiss load_local s"] = timed(FAISS.load_local, folder, embedding)
        assert loaded.index.ntotal == count
    del faiss_store, loaded

    memory_store, out["in-memory build s"] = timed(InMemoryVectorStore.from_texts, texts, embedding)
    memory_results, out["in-memory query ms"] = query_times(memory_store, slow_queries)
    out["in-memory query ms"] *= 1000
    del memory_store
    agree = sum(a == b for a, b in zip(faiss_results, memory_results, strict=False))
    out["same top-4 (of in-memory queries)"] = agree / len(memory_results)
    return out


def chunks_of_alice(count: int) -> list[str]:
    from runnel.text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=200, chunk_overlap=0)
    chunks = splitter.split_text(ALICE.read_text(encoding="ascii"))
    return (chunks * (count // len(chunks) + 1))[:count]


def bench_model(count: int) -> dict[str, float]:
    try:
        from runnel.providers.huggingface import HuggingFaceEmbeddings

        model, load_seconds = timed(HuggingFaceEmbeddings, model_kwargs={"device": "cpu"})
    except ImportError as err:
        print(f"[bench] skipping the local model: {err}", file=sys.stderr)
        return {}
    import torch

    texts = chunks_of_alice(count)
    model.embed_documents(texts[:64])  # warm-up
    out = {"model load s": load_seconds, "torch threads": float(torch.get_num_threads())}
    for batch_size in (32, 128):
        batched = model.model_copy(update={"encode_kwargs": {"batch_size": batch_size}})
        _, seconds = timed(batched.embed_documents, texts)
        out[f"model texts/s (batch {batch_size})"] = count / seconds
    _, seconds = timed(lambda: [model.embed_query(t) for t in texts[:100]])
    out["model queries/s (one at a time)"] = 100 / seconds
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 vectors, fewer texts")
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--only", choices=["stores", "model"], help="run one part only")
    args = parser.parse_args()
    count = 10_000 if args.quick else args.vectors
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    print(
        f"[bench] {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
    )
    figures: dict[str, float] = {}
    if args.only != "model":
        figures.update(bench_stores(count, args.queries, slow_queries=min(args.queries, 20)))
    if args.only != "stores":
        figures.update(bench_model(256 if args.quick else 1024))
    width = max(len(key) for key in figures)
    print(f"{count:,} vectors of {DIMENSION} dimensions, k={K}")
    for key, value in figures.items():
        print(f"{key:<{width}}  {value:>12.3f}")
    print(json.dumps({key: round(value, 4) for key, value in figures.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
