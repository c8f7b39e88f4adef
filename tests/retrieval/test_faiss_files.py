"""FAISS.save_local / load_local: JSON docstore, a book-sized round trip, tampered folders."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from runnel.documents import Document
from runnel.text_splitters import RecursiveCharacterTextSplitter
from runnel.vectorstores import FAISS

from .conftest import HashingEmbeddings

faiss = pytest.importorskip("faiss")

QUERIES = [
    "Cheshire Cat grin",
    "Off with her head",
    "took a watch out of its waistcoat-pocket",
    "the Mock Turtle soup",
]


@pytest.fixture
def small(tmp_path: Path) -> Path:
    store = FAISS.from_texts(
        ["red apple", "green apple", "yellow banana"],
        HashingEmbeddings(),
        metadatas=[{"n": 1, "tags": ["fruit"]}, {"n": 2, "nested": {"a": None}}, {}],
        ids=["r", "g", "y"],
    )
    store.save_local(tmp_path / "store")
    return tmp_path / "store"


def results(store: FAISS, query: str, **kwargs: Any) -> list[tuple[str | None, str, float]]:
    return [
        (doc.id, doc.page_content, round(score, 5))
        for doc, score in store.similarity_search_with_score(query, **kwargs)
    ]


def test_a_book_sized_index_survives_save_and_load(alice: str, tmp_path: Path) -> None:
    splitter = RecursiveCharacterTextSplitter(chunk_size=80, chunk_overlap=20, add_start_index=True)
    chunks = splitter.create_documents([alice], [{"source": "alice29.txt"}])
    assert 2000 <= len(chunks) <= 4000
    store = FAISS.from_documents(chunks, HashingEmbeddings(), distance_strategy="COSINE")
    assert store.index.ntotal == len(chunks)

    (top,) = store.similarity_search("took a watch out of its waistcoat-pocket", k=1)
    assert "WATCH" in top.page_content
    start = top.metadata["start_index"]
    assert alice[start : start + len(top.page_content)] == top.page_content
    assert "Cheshire" in store.similarity_search("Cheshire Cat grin", k=1)[0].page_content

    store.save_local(tmp_path / "alice", index_name="book")
    assert sorted(p.name for p in (tmp_path / "alice").iterdir()) == ["book.faiss", "book.json"]
    loaded = FAISS.load_local(tmp_path / "alice", HashingEmbeddings(), index_name="book")

    assert loaded.index.ntotal == store.index.ntotal
    assert loaded.distance_strategy == store.distance_strategy
    for query in QUERIES:
        assert results(loaded, query, k=5) == results(store, query, k=5)
        assert loaded.max_marginal_relevance_search(query, k=3) == (
            store.max_marginal_relevance_search(query, k=3)
        )
    ids = list(store.docstore)[:50]
    assert loaded.get_by_ids(ids) == store.get_by_ids(ids)
    late = {"start_index": {"$gt": len(alice) // 2}}
    assert results(loaded, "Alice", k=3, filter=late) == results(store, "Alice", k=3, filter=late)


def test_the_docstore_is_plain_json(small: Path) -> None:
    saved = json.loads((small / "index.json").read_text(encoding="utf-8"))
    assert saved["format"] == "runnel.faiss"
    assert saved["ids"] == ["r", "g", "y"]
    assert saved["documents"]["g"] == {
        "page_content": "green apple",
        "metadata": {"n": 2, "nested": {"a": None}},
    }
    index_bytes = (small / "index.faiss").read_bytes()
    assert saved["index_sha256"] == hashlib.sha256(index_bytes).hexdigest()


def test_a_loaded_store_keeps_working(small: Path) -> None:
    store = FAISS.load_local(small, HashingEmbeddings(), allow_dangerous_deserialization=True)
    assert store.get_by_ids(["r"]) == [
        Document("red apple", metadata={"n": 1, "tags": ["fruit"]}, id="r")
    ]
    store.add_texts(["purple plum"], ids=["p"])
    store.delete(["g"])
    assert {d.id for d in store.similarity_search("apple plum", k=5)} == {"r", "p", "y"}
    assert store.similarity_search("purple plum", k=1)[0].id == "p"


def test_overwriting_a_saved_store(small: Path) -> None:
    store = FAISS.load_local(small, HashingEmbeddings())
    store.delete(["y"])
    store.save_local(small)
    assert FAISS.load_local(small, HashingEmbeddings()).index.ntotal == 2
    assert [p.name for p in small.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    ("metadata", "error", "message"),
    [
        ({"when": (1, 2)}, TypeError, "is a tuple: save_local stores metadata as JSON"),
        ({"ratio": float("nan")}, ValueError, "JSON has no NaN"),
        ({"pages": {1: "a"}}, TypeError, "has the key 1: JSON keys must be strings"),
        ({"deep": [{"x": object()}]}, TypeError, "\\['deep'\\]\\[0\\]\\['x'\\] is a object"),
    ],
)
def test_metadata_that_json_cannot_hold_is_refused(
    tmp_path: Path, metadata: dict[str, Any], error: type[Exception], message: str
) -> None:
    store = FAISS.from_texts(["x"], HashingEmbeddings(), metadatas=[metadata], ids=["d1"])
    with pytest.raises(error, match=message):
        store.save_local(tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


# -- tampered folders --------------------------------------------------------------------
def edit_json(folder: Path, change: Any) -> None:
    path = folder / "index.json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    change(saved)
    path.write_text(json.dumps(saved), encoding="utf-8")


def replace_index(folder: Path, data: bytes) -> None:
    """Swap the index file and update the checksum, as a careful attacker would."""
    (folder / "index.faiss").write_bytes(data)
    edit_json(folder, lambda s: s.update(index_sha256=hashlib.sha256(data).hexdigest()))


def other_index_bytes(dimension: int, count: int, metric: str = "L2") -> bytes:
    import numpy as np

    index = faiss.IndexFlatL2(dimension) if metric == "L2" else faiss.IndexFlatIP(dimension)
    index.add(np.ones((count, dimension), dtype=np.float32))
    return bytes(faiss.serialize_index(index).tobytes())


TAMPERINGS: dict[str, tuple[Any, str]] = {
    "json not json": (
        lambda f: (f / "index.json").write_text("{not json", encoding="utf-8"),
        "index.json is not a runnel FAISS docstore",
    ),
    "json wrong types": (
        lambda f: edit_json(f, lambda s: s["documents"]["r"].update(page_content=3)),
        "is not a runnel FAISS docstore",
    ),
    "json unknown keys": (
        lambda f: edit_json(f, lambda s: s.update(__reduce__="os.system")),
        "is not a runnel FAISS docstore",
    ),
    "json another format": (
        lambda f: edit_json(f, lambda s: s.update(format="pickle")),
        "is not a runnel FAISS docstore",
    ),
    "index bytes changed": (
        lambda f: (f / "index.faiss").write_bytes(b"IxF2" + b"\0" * 64),
        "does not match index.json \\(SHA-256 differs\\)",
    ),
    "index truncated": (
        lambda f: (f / "index.faiss").write_bytes((f / "index.faiss").read_bytes()[:40]),
        "SHA-256 differs",
    ),
    "index garbage with checksum": (
        lambda f: replace_index(f, b"garbage" * 20),
        "FAISS could not read",
    ),
    "index truncated with checksum": (
        lambda f: replace_index(f, (f / "index.faiss").read_bytes()[:60]),
        "FAISS could not read",
    ),
    "index of another size": (
        lambda f: replace_index(f, other_index_bytes(256, 7)),
        "holds 7 vectors of 256 dimensions but index.json describes 3",
    ),
    "index of another metric": (
        lambda f: replace_index(f, other_index_bytes(256, 3, metric="IP")),
        "EUCLIDEAN_DISTANCE needs an index with the L2 metric",
    ),
    "ids without documents": (
        lambda f: edit_json(f, lambda s: s["documents"].pop("g")),
        "'ids' and 'documents' disagree",
    ),
    "documents without ids": (
        lambda f: edit_json(
            f, lambda s: s["documents"].update(extra={"page_content": "", "metadata": {}})
        ),
        "'ids' and 'documents' disagree",
    ),
    "repeated id": (
        lambda f: edit_json(f, lambda s: s.update(ids=["r", "r", "y"])),
        "an id appears twice",
    ),
    "unknown distance strategy": (
        lambda f: edit_json(f, lambda s: s.update(distance_strategy="__import__('os')")),
        "does not support distance_strategy",
    ),
}


@pytest.mark.parametrize("tampering", list(TAMPERINGS))
def test_a_tampered_folder_fails_cleanly(small: Path, tampering: str) -> None:
    tamper, message = TAMPERINGS[tampering]
    tamper(small)
    with pytest.raises(ValueError, match=message):
        FAISS.load_local(small, HashingEmbeddings())


class _Payload:
    """Unpickling it runs code: it creates the file `marker`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (f"import pathlib; pathlib.Path({str(self.marker)!r}).touch()",))


def test_a_langchain_pickle_is_never_loaded(tmp_path: Path) -> None:
    folder = tmp_path / "lc"
    folder.mkdir()
    marker = tmp_path / "code-ran"
    payload = pickle.dumps(_Payload(marker))
    (folder / "index.pkl").write_bytes(payload)
    (folder / "index.faiss").write_bytes(other_index_bytes(4, 1))
    with pytest.raises(ValueError, match=r"holds index\.pkl, a pickle .* runnel never unpickles"):
        FAISS.load_local(folder, HashingEmbeddings(), allow_dangerous_deserialization=True)
    assert not marker.exists()
    pickle.loads(payload)  # the payload is live: unpickling it would have run it
    assert marker.exists()


def test_missing_files(small: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a folder"):
        FAISS.load_local(tmp_path / "nowhere", HashingEmbeddings())
    with pytest.raises(FileNotFoundError, match=r"no other\.json in"):
        FAISS.load_local(small, HashingEmbeddings(), index_name="other")
    (small / "index.faiss").unlink()
    with pytest.raises(FileNotFoundError, match=r"no index\.faiss in .*: the folder is incomplete"):
        FAISS.load_local(small, HashingEmbeddings())
