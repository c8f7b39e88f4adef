"""Text splitters: sizes, overlap, separators, start indices, metadata, token lengths."""

from __future__ import annotations

import logging
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runnel.documents import Document
from runnel.text_splitters import (
    CharacterTextSplitter,
    RecursiveCharacterTextSplitter,
    TextSplitter,
)

pytestmark = pytest.mark.anyio

PARAGRAPHS = "One two three.\n\nFour five six seven.\nEight nine.\n\nTen."


# -- RecursiveCharacterTextSplitter -----------------------------------------------------
def test_paragraphs_lines_then_words() -> None:
    splitter = RecursiveCharacterTextSplitter(chunk_size=21, chunk_overlap=0)
    assert splitter.split_text(PARAGRAPHS) == [
        "One two three.",
        "Four five six seven.",
        "Eight nine.",
        "Ten.",
    ]
    words = RecursiveCharacterTextSplitter(chunk_size=10, chunk_overlap=0)
    assert words.split_text("Four five six seven.") == ["Four five", "six", "seven."]


def test_overlap_repeats_the_end_of_the_previous_chunk() -> None:
    splitter = RecursiveCharacterTextSplitter(chunk_size=12, chunk_overlap=6)
    assert splitter.split_text("aa bb cc dd ee ff gg") == [
        "aa bb cc dd",
        "cc dd ee ff",
        "ee ff gg",
    ]


def test_cuts_between_characters_as_a_last_resort() -> None:
    splitter = RecursiveCharacterTextSplitter(chunk_size=4, chunk_overlap=1)
    assert splitter.split_text("abcdefghij") == ["abcd", "defg", "ghij"]


def test_keep_separator_positions() -> None:
    text = "a.b.c"
    start = RecursiveCharacterTextSplitter(
        separators=["."], chunk_size=2, chunk_overlap=0, keep_separator="start"
    )
    end = RecursiveCharacterTextSplitter(
        separators=["."], chunk_size=2, chunk_overlap=0, keep_separator="end"
    )
    dropped = RecursiveCharacterTextSplitter(
        separators=["."], chunk_size=2, chunk_overlap=0, keep_separator=False
    )
    assert start.split_text(text) == ["a", ".b", ".c"]
    assert end.split_text(text) == ["a.", "b.", "c"]
    assert dropped.split_text(text) == ["a", "b", "c"]
    merged = RecursiveCharacterTextSplitter(
        separators=["."], chunk_size=3, chunk_overlap=0, keep_separator=False
    )
    assert merged.split_text(text) == ["a.b", "c"]  # re-joined with the separator


def test_regex_separators() -> None:
    splitter = RecursiveCharacterTextSplitter(
        separators=[r"\n{2,}", r"\s+"],
        is_separator_regex=True,
        keep_separator=False,
        chunk_size=12,
        chunk_overlap=0,
    )
    # Pieces inside a chunk are joined with the text that separated them.
    assert splitter.split_text("one  two\n\n\n\nthree   four five") == [
        "one  two",
        "three   four",
        "five",
    ]
    lookahead = CharacterTextSplitter(
        separator=r"(?=Chapter)", is_separator_regex=True, chunk_size=12, chunk_overlap=0
    )
    assert lookahead.split_text("Chapter 1 aChapter 2 b") == ["Chapter 1 a", "Chapter 2 b"]


def test_a_piece_that_cannot_be_split_is_kept_whole(caplog: pytest.LogCaptureFixture) -> None:
    splitter = RecursiveCharacterTextSplitter(separators=[" "], chunk_size=5, chunk_overlap=0)
    assert splitter.split_text("tiny enormousword ok") == ["tiny", "enormousword", "ok"]
    character = CharacterTextSplitter(separator=" ", chunk_size=5, chunk_overlap=0)
    with caplog.at_level(logging.WARNING):
        assert character.split_text("tiny enormousword ok") == ["tiny", "enormousword", "ok"]
    assert "Created a chunk of size 12, longer than chunk_size 5" in caplog.text


def test_whitespace_stripping() -> None:
    text = "  alpha  \n\n  beta  "
    assert CharacterTextSplitter(chunk_size=8, chunk_overlap=0).split_text(text) == [
        "alpha",
        "beta",
    ]
    kept = CharacterTextSplitter(chunk_size=9, chunk_overlap=0, strip_whitespace=False)
    assert kept.split_text(text) == ["  alpha  ", "  beta  "]


def test_empty_and_blank_texts_give_no_chunks() -> None:
    for splitter in (RecursiveCharacterTextSplitter(), CharacterTextSplitter()):
        assert splitter.split_text("") == []
        assert splitter.split_text(" \n\n \n") == []
        assert splitter.create_documents(["", "x"]) == [Document("x")]


# -- CharacterTextSplitter -------------------------------------------------------------
def test_character_splitter_merges_up_to_the_size() -> None:
    splitter = CharacterTextSplitter(separator="\n\n", chunk_size=40, chunk_overlap=0)
    assert splitter.split_text(PARAGRAPHS) == [
        "One two three.",
        "Four five six seven.\nEight nine.\n\nTen.",
    ]
    words = CharacterTextSplitter(separator=" ", chunk_size=7, chunk_overlap=3)
    assert words.split_text("a b c d e f g") == ["a b c d", "c d e f", "e f g"]


# -- documents, metadata, start indices --------------------------------------------------
def test_documents_keep_a_copy_of_their_metadata() -> None:
    splitter = RecursiveCharacterTextSplitter(chunk_size=21, chunk_overlap=0, add_start_index=True)
    source = {"source": "book.txt", "tags": ["x"]}
    docs = splitter.split_documents([Document(PARAGRAPHS, metadata=source, id="doc")])
    assert [d.metadata for d in docs] == [
        {"source": "book.txt", "tags": ["x"], "start_index": i} for i in (0, 16, 37, 50)
    ]
    assert all(d.id is None for d in docs)
    docs[0].metadata["tags"].append("changed")
    assert source == {"source": "book.txt", "tags": ["x"]}
    assert docs[1].metadata["tags"] == ["x"]


def test_start_indices_are_exact_even_for_repeated_text() -> None:
    text = "spam spam spam spam spam spam"
    overlapping = RecursiveCharacterTextSplitter(
        chunk_size=10, chunk_overlap=5, add_start_index=True
    )
    docs = overlapping.create_documents([text])
    assert [(d.page_content, d.metadata["start_index"]) for d in docs] == [
        ("spam spam", i) for i in (0, 5, 10, 15, 20)
    ]
    # Searching for each chunk's text (as LangChain does) would find "spam" at 5 each time.
    tight = RecursiveCharacterTextSplitter(chunk_size=9, chunk_overlap=5, add_start_index=True)
    docs = tight.create_documents([text])
    assert [(d.page_content, d.metadata["start_index"]) for d in docs] == [
        ("spam spam", 0),
        *(("spam", i) for i in (10, 15, 20, 25)),
    ]


def test_create_documents_checks_its_arguments() -> None:
    splitter = CharacterTextSplitter()
    with pytest.raises(TypeError, match="a list of texts, not one string"):
        splitter.create_documents("a text")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="got 2 texts but 1 metadatas"):
        splitter.create_documents(["a", "b"], [{}])


async def test_transform_documents_and_its_async_twin() -> None:
    splitter = CharacterTextSplitter(separator=" ", chunk_size=3, chunk_overlap=0)
    docs = [Document("ab cd", metadata={"n": 1})]
    expected = [Document("ab", metadata={"n": 1}), Document("cd", metadata={"n": 1})]
    assert splitter.transform_documents(docs) == expected
    assert await splitter.atransform_documents(docs) == expected


def test_a_custom_splitter_gets_start_indices_by_search() -> None:
    class Sentences(TextSplitter):
        def split_text(self, text: str) -> list[str]:
            return [s.strip() + "." for s in text.split(".") if s.strip()]

    docs = Sentences(chunk_overlap=0, add_start_index=True).create_documents(["Hi. Bye."])
    assert [(d.page_content, d.metadata["start_index"]) for d in docs] == [("Hi.", 0), ("Bye.", 4)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"chunk_size": 0}, "chunk_size must be > 0, got 0"),
        ({"chunk_overlap": -1}, "chunk_overlap must be >= 0"),
        (
            {"chunk_size": 10, "chunk_overlap": 11},
            "chunk_overlap \\(11\\) is larger than chunk_size",
        ),
    ],
)
def test_bad_sizes(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RecursiveCharacterTextSplitter(**kwargs)


# -- properties --------------------------------------------------------------------------
texts = st.text(alphabet=st.sampled_from(list("ab ce\n.")), max_size=120)


@settings(max_examples=300, deadline=None)
@given(text=texts, size=st.integers(1, 25), overlap_share=st.floats(0, 1))
def test_recursive_chunks_are_verbatim_sized_and_ordered(
    text: str, size: int, overlap_share: float
) -> None:
    overlap = int(size * overlap_share)
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=size, chunk_overlap=overlap, add_start_index=True
    )
    docs = splitter.create_documents([text])
    starts = [d.metadata["start_index"] for d in docs]
    for doc, start in zip(docs, starts, strict=True):
        assert text[start : start + len(doc.page_content)] == doc.page_content
        assert len(doc.page_content) <= size  # the last separator "" can always split
        assert doc.page_content == doc.page_content.strip() != ""
    assert starts == sorted(starts)
    # Nothing but whitespace is lost: every non-blank character is in some chunk.
    covered = set()
    for doc, start in zip(docs, starts, strict=True):
        covered.update(range(start, start + len(doc.page_content)))
    assert all(i in covered for i, char in enumerate(text) if not char.isspace())


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.sampled_from(["a", "bb", "ccc", "dddd"]), max_size=30),
    size=st.integers(4, 20),
)
def test_character_chunks_rejoin_to_the_text_without_overlap(words: list[str], size: int) -> None:
    text = " ".join(words)
    chunks = CharacterTextSplitter(separator=" ", chunk_size=size, chunk_overlap=0).split_text(text)
    assert " ".join(chunks) == text
    assert all(len(chunk) <= size for chunk in chunks)


# -- token lengths -----------------------------------------------------------------------
def byte_encoding() -> Any:
    """A real tiktoken Encoding with one token per byte, built without any download."""
    tiktoken = pytest.importorskip("tiktoken")
    return tiktoken.Encoding(
        name="bytes",
        pat_str=r"\S+|\s+",
        mergeable_ranks={bytes([i]): i for i in range(256)},
        special_tokens={"<|end|>": 256},
    )


def test_from_tiktoken_encoder_counts_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    tiktoken = pytest.importorskip("tiktoken")
    asked: list[str] = []

    def get_encoding(name: str) -> Any:
        asked.append(name)
        return byte_encoding()

    monkeypatch.setattr(tiktoken, "get_encoding", get_encoding)
    splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name="cl100k_base", chunk_size=5, chunk_overlap=0
    )
    assert asked == ["cl100k_base"]
    assert splitter.split_text("abc defg hi") == ["abc", "defg", "hi"]
    assert CharacterTextSplitter.from_tiktoken_encoder(
        separator=" ", chunk_size=7, chunk_overlap=0
    ).split_text("ab cd ef") == ["ab cd", "ef"]
    with pytest.raises(ValueError, match="disallowed special token"):
        splitter.split_text("a <|end|> b")
    allowed = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        allowed_special="all", chunk_size=4, chunk_overlap=0
    )
    assert allowed.split_text("xx <|end|> yy") == ["xx <|end|>", "yy"]  # "<|end|>": 1 token


def test_from_tiktoken_encoder_offline_error(monkeypatch: pytest.MonkeyPatch) -> None:
    tiktoken = pytest.importorskip("tiktoken")

    def unreachable(name: str) -> Any:
        raise ConnectionError("Failed to resolve 'openaipublic.blob.core.windows.net'")

    monkeypatch.setattr(tiktoken, "get_encoding", unreachable)
    with pytest.raises(
        OSError, match=r"tiktoken could not load the encoding for 'gpt2'.*TIKTOKEN_CACHE_DIR"
    ):
        RecursiveCharacterTextSplitter.from_tiktoken_encoder()
    with pytest.raises(ValueError, match="no encoding for the model 'no-such-model'"):
        RecursiveCharacterTextSplitter.from_tiktoken_encoder(model_name="no-such-model")


def test_from_tiktoken_encoder_without_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tiktoken", None)
    with pytest.raises(ImportError, match='pip install "runnel\\[tiktoken\\]"'):
        CharacterTextSplitter.from_tiktoken_encoder()


def test_from_huggingface_tokenizer(local_embeddings: Any) -> None:
    tokenizer = local_embeddings.client.tokenizer
    splitter = RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
        tokenizer, chunk_size=4, chunk_overlap=0
    )
    chunks = splitter.split_text("Alice was beginning to get very tired of sitting by her sister")
    assert all(len(tokenizer.tokenize(chunk)) <= 4 for chunk in chunks)
    assert " ".join(chunks) == "Alice was beginning to get very tired of sitting by her sister"
    with pytest.raises(TypeError, match="needs a tokenizer with a tokenize method"):
        CharacterTextSplitter.from_huggingface_tokenizer(object())
