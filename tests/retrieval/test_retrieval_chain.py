"""Seed 004's retrieval chain on FAISS and the local embedding model, offline.

``{"context": retriever.with_config(run_name="Docs"), "question": RunnablePassthrough()}
| prompt | model | StrOutputParser()``: the retriever does not stream (one chunk, reported
as retriever start/end), the model and the parser stream token by token.
"""

from __future__ import annotations

from typing import Any

import pytest

from runnel.documents import Document
from runnel.language_models import GenericFakeChatModel
from runnel.messages import AIMessage
from runnel.output_parsers import StrOutputParser
from runnel.prompts import ChatPromptTemplate
from runnel.runnables import RunnablePassthrough

pytest.importorskip("faiss")

pytestmark = pytest.mark.anyio

TEMPLATE = """Answer the question based only on the following context:
{context}

Question: {question}
"""
ANSWER = "Based on the given context, Harrison worked at Kensho."
QUESTION = "where did harrison work?"


@pytest.fixture
def retriever(local_embeddings: Any) -> Any:
    from runnel.vectorstores import FAISS

    vectorstore = FAISS.from_texts(
        ["harrison worked at kensho", "harrison likes spicy food"],
        embedding=local_embeddings,
    )
    return vectorstore.as_retriever()


def chain(retriever: Any) -> Any:
    model = GenericFakeChatModel(messages=iter([AIMessage(ANSWER)]))
    return (
        {"context": retriever.with_config(run_name="Docs"), "question": RunnablePassthrough()}
        | ChatPromptTemplate.from_template(TEMPLATE)
        | model
        | StrOutputParser()
    )


def test_the_retriever_streams_its_whole_result_once(retriever: Any) -> None:
    chunks = list(retriever.stream(QUESTION))
    assert len(chunks) == 1
    (documents,) = chunks
    # The real model ranks the relevant sentence first.
    assert [d.page_content for d in documents] == [
        "harrison worked at kensho",
        "harrison likes spicy food",
    ]


async def test_the_chain_streams_tokens(retriever: Any) -> None:
    tokens = list(chain(retriever).stream(QUESTION))
    assert len(tokens) > 10
    assert "".join(tokens) == ANSWER
    atokens = [t async for t in chain(retriever).astream(QUESTION)]
    assert atokens == tokens


async def test_events_show_the_retriever_then_streamed_tokens(retriever: Any) -> None:
    events = [e async for e in chain(retriever).astream_events(QUESTION, version="v2")]
    docs = [e for e in events if e["name"] == "Docs"]
    assert [e["event"] for e in docs] == ["on_retriever_start", "on_retriever_end"]
    start, end = docs
    assert start["data"] == {"input": {"query": QUESTION}}
    found = end["data"]["output"]
    assert all(isinstance(d, Document) for d in found)
    assert found[0].page_content == "harrison worked at kensho"
    assert sorted(start["tags"]) == ["FAISS", "HuggingFaceEmbeddings", "map:key:context"]

    kinds = [(e["event"], e["name"]) for e in events]
    model_tokens = [
        e["data"]["chunk"].content for e in events if e["event"] == "on_chat_model_stream"
    ]
    outputs = [
        e["data"]["chunk"]
        for e in events
        if (e["event"], e["name"]) == ("on_chain_stream", "RunnableSequence")
    ]
    assert len(model_tokens) > 10
    assert "".join(model_tokens) == ANSWER
    assert outputs == [t for t in model_tokens if t]
    docs_end = kinds.index(("on_retriever_end", "Docs"))
    model_start = kinds.index(("on_chat_model_start", "GenericFakeChatModel"))
    first_token = kinds.index(("on_chat_model_stream", "GenericFakeChatModel"))
    assert docs_end < model_start < first_token
    (messages,) = events[model_start]["data"]["input"]["messages"]
    assert "harrison worked at kensho" in messages[0].content
    assert f"Question: {QUESTION}" in messages[0].content
