"""Document: construction, equality, representation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from runnel.documents import BaseDocumentTransformer, Document


def test_positional_and_keyword_page_content() -> None:
    assert Document("text") == Document(page_content="text")
    assert Document("text").metadata == {}
    assert Document("text").id is None


def test_equality_includes_metadata_and_id() -> None:
    assert Document("a", metadata={"k": 1}) != Document("a")
    assert Document("a", id="1") != Document("a", id="2")


def test_numeric_id_becomes_a_string() -> None:
    assert Document("a", id=7).id == "7"  # type: ignore[arg-type]


def test_page_content_must_be_a_string() -> None:
    with pytest.raises(ValidationError, match="page_content"):
        Document(3)  # type: ignore[arg-type]


def test_repr_and_str() -> None:
    doc = Document("hello", metadata={"source": "x"})
    assert repr(doc) == "Document(metadata={'source': 'x'}, page_content='hello')"
    assert repr(Document("hi", id="d1")) == "Document(id='d1', metadata={}, page_content='hi')"
    assert str(doc) == "page_content='hello' metadata={'source': 'x'}"
    assert str(Document("hi")) == "page_content='hi'"


def test_dump_round_trip() -> None:
    doc = Document("hello", metadata={"n": 1}, id="x")
    assert doc.model_dump() == {
        "id": "x",
        "metadata": {"n": 1},
        "page_content": "hello",
        "type": "Document",
    }
    assert Document.model_validate(doc.model_dump()) == doc


@pytest.mark.anyio
async def test_document_transformer_async_default() -> None:
    class Upper(BaseDocumentTransformer):
        def transform_documents(self, documents, **kwargs):  # type: ignore[no-untyped-def]
            return [Document(d.page_content.upper(), metadata=d.metadata) for d in documents]

    out = await Upper().atransform_documents([Document("a"), Document("b")])
    assert [d.page_content for d in out] == ["A", "B"]
